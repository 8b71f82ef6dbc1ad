import EaselStore
import Foundation
import Testing

@Suite struct MigrationFileTests {
    @Test func loadsTheRepositoryMigrationsInOrder() throws {
        let migrations = try Migration.load(from: TestPaths.migrations)
        #expect(migrations.first?.fileName == "0001_init.sql")
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        #expect(migrations.allSatisfy { $0.checksum.count == 64 })
    }

    @Test func refusesMisnamedAndDuplicateFiles() throws {
        try TestPaths.withDirectory(["0001_init.sql": "SELECT 1;", "2_bad.sql": "SELECT 1;"]) { directory in
            #expect(throws: MigrationError.self) { try Migration.load(from: directory) }
        }
        try TestPaths.withDirectory(["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;"]) { directory in
            do {
                _ = try Migration.load(from: directory)
                Issue.record("expected a duplicate-version error")
            } catch {
                #expect("\(error)".contains("0001_a.sql") && "\(error)".contains("0001_b.sql"))
            }
        }
    }

    @Test func checksumChangesWithContent() {
        #expect(Migration(version: 1, name: "a", sql: "SELECT 1;").checksum != Migration(version: 1, name: "a", sql: "SELECT 2;").checksum)
    }
}

enum TestPaths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var migrations: URL { root.appendingPathComponent("migrations") }

    /// A temporary directory holding `files`, removed after `body`.
    @discardableResult
    static func withDirectory<T>(_ files: [String: String], _ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("easel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, content) in files {
            try content.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return try body(directory)
    }
}
