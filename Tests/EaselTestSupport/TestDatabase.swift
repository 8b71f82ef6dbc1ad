import EaselStore
import Foundation
import Logging
import PostgresNIO

/// A throwaway PostgreSQL database per test, cloned from a migrated template.
///
/// `deploy/test.sh` starts a private cluster and sets `EASEL_TEST_DATABASE_URL` to its
/// maintenance database. The first test to ask migrates a template database once; every test
/// then gets `CREATE DATABASE ... TEMPLATE ...`, which takes milliseconds, and the database is
/// dropped when the test ends. Tests therefore run in parallel without sharing rows.
public enum TestDatabase {
    public static let logger: Logger = {
        var logger = Logger(label: "easel.test")
        logger.logLevel = ProcessInfo.processInfo.environment["EASEL_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .error
        return logger
    }()

    /// The repository's root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var migrationsDirectory: URL { repositoryRoot.appendingPathComponent("migrations") }

    /// The maintenance database of the test cluster.
    public static func serverURL() throws -> DatabaseURL {
        guard let raw = ProcessInfo.processInfo.environment["EASEL_TEST_DATABASE_URL"] else {
            throw TestDatabaseError(
                "EASEL_TEST_DATABASE_URL is not set: run the tests through deploy/test.sh, which starts PostgreSQL"
            )
        }
        return try DatabaseURL(raw)
    }

    /// Creates a fresh database (migrated, or empty), runs `body` with its URL and a running
    /// client, and drops the database afterwards, also when `body` throws.
    public static func with<T: Sendable>(
        migrated: Bool = true,
        _ body: @Sendable (DatabaseURL, PostgresClient) async throws -> T
    ) async throws -> T {
        let server = try serverURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let template = migrated ? try await Template.shared.name(server: server) : "template0"
        try await admin(server) { client in
            try await client.query(PostgresQuery(unsafeSQL: #"CREATE DATABASE "\#(name)" TEMPLATE "\#(template)""#), logger: logger)
        }
        let url = server.with(database: name)
        do {
            let result = try await withClient(url) { client in try await body(url, client) }
            try await drop(name, server: server)
            return result
        } catch {
            try? await drop(name, server: server)
            throw error
        }
    }

    /// Runs `body` with a running client for `url`.
    public static func withClient<T: Sendable>(
        _ url: DatabaseURL,
        _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 8), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Drops a test database even while something still holds a connection to it.
    public static func drop(_ name: String, server: DatabaseURL) async throws {
        try await admin(server) { client in
            try await client.query(PostgresQuery(unsafeSQL: #"DROP DATABASE IF EXISTS "\#(name)" WITH (FORCE)"#), logger: logger)
        }
    }

    static func admin(_ server: DatabaseURL, _ body: @Sendable (PostgresClient) async throws -> Void) async throws {
        try await withClient(server, body)
    }

    /// The migrated template, made once per test process.
    actor Template {
        static let shared = Template()
        private var created: Task<String, any Error>?

        func name(server: DatabaseURL) async throws -> String {
            if let created { return try await created.value }
            let task = Task {
                let name = "easel_template_\(ProcessInfo.processInfo.processIdentifier)"
                try await TestDatabase.drop(name, server: server)
                try await TestDatabase.admin(server) { client in
                    try await client.query(PostgresQuery(unsafeSQL: #"CREATE DATABASE "\#(name)""#), logger: TestDatabase.logger)
                }
                let migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
                _ = try await TestDatabase.withClient(server.with(database: name)) { client in
                    try await Migrator(client: client, migrations: migrations, logger: TestDatabase.logger).migrate()
                }
                return name
            }
            created = task
            return try await task.value
        }
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
