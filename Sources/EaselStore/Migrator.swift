import EaselCore
import Foundation
import Logging
import PostgresNIO

/// Applies migrations in order, each in its own transaction, under an advisory lock.
///
/// The lock makes several instances starting at once safe: the first applies what is pending,
/// the others wait and then find nothing to do. Each applied migration's checksum is recorded in
/// `schema_migrations`; a file edited after landing stops start-up instead of leaving the schema
/// different from what the repository says.
public struct Migrator: Sendable {
    /// An arbitrary constant shared by every Easel instance: "easel" in ASCII.
    static let advisoryLockKey: Int64 = 0x6561_7365_6C00

    let client: PostgresClient
    let migrations: [Migration]
    let logger: Logger

    public init(client: PostgresClient, migrations: [Migration], logger: Logger) {
        self.client = client
        self.migrations = migrations
        self.logger = logger
    }

    /// The result of a migration run or status check.
    public struct Status: Sendable, Equatable {
        public var applied: [Int]
        public var pending: [Int]
        public var isCurrent: Bool { pending.isEmpty }
    }

    /// Applies every pending migration and returns the versions it applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await client.withConnection { connection in
            try await withAdvisoryLock(on: connection) {
                try await ensureTable(on: connection)
                let recorded = try await recordedMigrations(on: connection)
                try verify(recorded: recorded)
                var applied: [Int] = []
                for migration in migrations where recorded[migration.version] == nil {
                    try await apply(migration, on: connection)
                    applied.append(migration.version)
                }
                return applied
            }
        }
    }

    /// Which migrations the database has and which it still needs, without changing anything.
    ///
    /// Throws when a recorded migration was edited or its file is missing.
    public func status() async throws -> Status {
        try await client.withConnection { connection in
            let exists =
                try await connection.query(
                    "SELECT to_regclass('schema_migrations') IS NOT NULL",
                    logger: logger
                ).collect().first?.decode(Bool.self) ?? false
            let recorded = exists ? try await recordedMigrations(on: connection) : [:]
            try verify(recorded: recorded)
            return Status(
                applied: recorded.keys.sorted(),
                pending: migrations.map(\.version).filter { recorded[$0] == nil }
            )
        }
    }

    private func withAdvisoryLock<T: Sendable>(
        on connection: PostgresConnection,
        _ body: () async throws -> T
    ) async throws -> T {
        try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
        do {
            let result = try await body()
            try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            return result
        } catch {
            // A failed unlock is harmless: the lock ends with the session at the latest.
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            throw error
        }
    }

    private func ensureTable(on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY CHECK (version > 0),
                name text NOT NULL,
                checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
                applied_at timestamptz NOT NULL DEFAULT now(),
                duration_ms integer NOT NULL CHECK (duration_ms >= 0)
            )
            """,
            logger: logger
        )
    }

    private func recordedMigrations(on connection: PostgresConnection) async throws -> [Int: (name: String, checksum: String)] {
        var recorded: [Int: (name: String, checksum: String)] = [:]
        let rows = try await connection.query(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            logger: logger
        )
        for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
            recorded[version] = (name, checksum)
        }
        return recorded
    }

    private func verify(recorded: [Int: (name: String, checksum: String)]) throws(MigrationError) {
        for (version, entry) in recorded.sorted(by: { $0.key < $1.key }) {
            guard let migration = migrations.first(where: { $0.version == version }) else {
                throw .missingFile(version: version, name: entry.name)
            }
            if migration.checksum != entry.checksum {
                throw .edited(fileName: migration.fileName, recorded: entry.checksum, current: migration.checksum)
            }
        }
    }

    private func apply(_ migration: Migration, on connection: PostgresConnection) async throws {
        let started = ContinuousClock.now
        let statements = SQLScript.statements(in: migration.sql)
        try await connection.query("BEGIN", logger: logger)
        var statementNumber = 0
        do {
            for statement in statements {
                statementNumber += 1
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            let elapsed = ContinuousClock.now - started
            let milliseconds = elapsed.wholeMilliseconds
            try await connection.query(
                """
                INSERT INTO schema_migrations (version, name, checksum, duration_ms)
                VALUES (\(migration.version), \(migration.name), \(migration.checksum), \(milliseconds))
                """,
                logger: logger
            )
            try await connection.query("COMMIT", logger: logger)
            logger.info(
                "applied migration",
                metadata: ["migration": "\(migration.fileName)", "duration_ms": "\(milliseconds)"]
            )
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw MigrationError.failed(
                fileName: migration.fileName,
                statement: statementNumber,
                reason: PostgresErrorMessage.describe(error)
            )
        }
    }
}
