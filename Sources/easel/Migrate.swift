import ArgumentParser
import EaselCore
import EaselStore
import Foundation

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations, then exit.")

    @Flag(name: .long, help: "Only report which migrations are applied and which are pending.")
    var status = false

    func run() async throws {
        let statusOnly = status
        let message = try await Easel.withDatabase(doing: "migrate", logLevel: .info) { client, configuration, logger in
            let migrations = try Migration.load(from: URL(fileURLWithPath: configuration.migrationsDirectory))
            let migrator = Migrator(client: client, migrations: migrations, logger: logger)
            if statusOnly {
                let status = try await withTimeout(.seconds(30)) { try await migrator.status() }
                return "applied: \(Self.format(status.applied)); pending: \(Self.format(status.pending))"
            }
            let applied = try await withTimeout(.seconds(300)) { try await migrator.migrate() }
            return applied.isEmpty ? "schema is current; nothing to apply" : "applied \(Self.format(applied))"
        }
        print(message)
    }

    static func format(_ versions: [Int]) -> String {
        versions.isEmpty ? "none" : versions.map { String(format: "%04d", $0) }.joined(separator: ", ")
    }
}
