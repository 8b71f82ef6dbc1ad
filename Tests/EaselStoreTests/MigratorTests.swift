import EaselStore
import EaselTestSupport
import Foundation
import PostgresNIO
import Testing

@Suite struct MigratorTests {
    let logger = TestDatabase.logger

    @Test func appliesEveryMigrationToAFreshDatabase() async throws {
        try await TestDatabase.with(migrated: false) { _, client in
            let migrations = try Migration.load(from: TestDatabase.migrationsDirectory)
            let migrator = Migrator(client: client, migrations: migrations, logger: logger)
            #expect(try await migrator.status().pending == migrations.map(\.version))

            let applied = try await migrator.migrate()
            #expect(applied == migrations.map(\.version))
            #expect(try await migrator.status().isCurrent)

            let rows = try await client.query("SELECT version, checksum FROM schema_migrations ORDER BY version", logger: logger)
            var recorded: [(Int, String)] = []
            for try await row in rows.decode((Int, String).self) { recorded.append(row) }
            #expect(recorded.map(\.0) == migrations.map(\.version))
            #expect(recorded.map(\.1) == migrations.map(\.checksum))
            for table in [
                "tenants", "users", "sessions", "api_keys", "models", "conversations", "generations", "images", "generation_images", "audit_log",
            ] {
                let exists = try await client.query("SELECT to_regclass(\(table)) IS NOT NULL", logger: logger).collect().first?.decode(Bool.self)
                #expect(exists == true, "table \(table) missing")
            }
        }
    }

    @Test func runningAgainChangesNothing() async throws {
        try await TestDatabase.with(migrated: false) { _, client in
            let migrator = Migrator(client: client, migrations: try Migration.load(from: TestDatabase.migrationsDirectory), logger: logger)
            try await migrator.migrate()
            let before = try await client.query("SELECT applied_at FROM schema_migrations WHERE version = 1", logger: logger).collect().first?.decode(
                Date.self
            )
            #expect(try await migrator.migrate() == [])
            let after = try await client.query("SELECT applied_at FROM schema_migrations WHERE version = 1", logger: logger).collect().first?.decode(
                Date.self
            )
            #expect(before != nil && before == after)
        }
    }

    @Test func refusesAMigrationEditedAfterItLanded() async throws {
        try await TestDatabase.with(migrated: false) { _, client in
            let original = [Migration(version: 1, name: "first", sql: "CREATE TABLE a (x int);")]
            try await Migrator(client: client, migrations: original, logger: logger).migrate()

            let edited = [
                Migration(version: 1, name: "first", sql: "CREATE TABLE a (x bigint);"),
                Migration(version: 2, name: "second", sql: "CREATE TABLE b (y int);"),
            ]
            let migrator = Migrator(client: client, migrations: edited, logger: logger)
            await #expect { try await migrator.migrate() } throws: { error in
                guard case MigrationError.edited(let fileName, _, _) = error else { return false }
                return fileName == "0001_first.sql"
            }
            await #expect(throws: MigrationError.self) { try await migrator.status() }
            // Nothing after the edited migration was applied either.
            let b = try await client.query("SELECT to_regclass('b') IS NOT NULL", logger: logger).collect().first?.decode(Bool.self)
            #expect(b == false)
        }
    }

    @Test func refusesADatabaseNewerThanTheBuild() async throws {
        try await TestDatabase.with(migrated: false) { _, client in
            let both = [Migration(version: 1, name: "a", sql: "SELECT 1;"), Migration(version: 2, name: "b", sql: "SELECT 2;")]
            try await Migrator(client: client, migrations: both, logger: logger).migrate()
            await #expect { try await Migrator(client: client, migrations: [both[0]], logger: logger).migrate() } throws: { error in
                guard case MigrationError.missingFile(let version, _) = error else { return false }
                return version == 2
            }
        }
    }

    @Test func twoMigratorsAtOnceApplyEachMigrationOnce() async throws {
        try await TestDatabase.with(migrated: false) { url, _ in
            // pg_sleep widens the window in which an unlocked second migrator would also see 0002 as pending.
            let migrations = [
                Migration(version: 1, name: "table", sql: "CREATE TABLE applied_count (n int NOT NULL);"),
                Migration(version: 2, name: "row", sql: "SELECT pg_sleep(0.3); INSERT INTO applied_count VALUES (1);"),
            ]
            // Two separate clients, as two instances starting together would have.
            async let first = TestDatabase.withClient(url) { client in
                try await Migrator(client: client, migrations: migrations, logger: TestDatabase.logger).migrate()
            }
            async let second = TestDatabase.withClient(url) { client in
                try await Migrator(client: client, migrations: migrations, logger: TestDatabase.logger).migrate()
            }
            let results = try await [first, second]
            #expect(results.sorted { $0.count < $1.count } == [[], [1, 2]])
            try await TestDatabase.withClient(url) { client in
                let count = try await client.query("SELECT count(*)::int FROM applied_count", logger: TestDatabase.logger).collect().first?.decode(
                    Int.self
                )
                #expect(count == 1)
            }
        }
    }

    @Test func aFailingMigrationIsRolledBackWhole() async throws {
        try await TestDatabase.with(migrated: false) { _, client in
            let migrations = [Migration(version: 1, name: "broken", sql: "CREATE TABLE half (x int);\nINSERT INTO half VALUES ('not a number');")]
            await #expect { try await Migrator(client: client, migrations: migrations, logger: logger).migrate() } throws: { error in
                guard case MigrationError.failed(let fileName, let statement, let reason) = error else { return false }
                return fileName == "0001_broken.sql" && statement == 2 && reason.contains("invalid input syntax")
            }
            let half = try await client.query("SELECT to_regclass('half') IS NOT NULL", logger: logger).collect().first?.decode(Bool.self)
            #expect(half == false)
            let recorded = try await client.query("SELECT count(*)::int FROM schema_migrations", logger: logger).collect().first?.decode(Int.self)
            #expect(recorded == 0)
        }
    }
}
