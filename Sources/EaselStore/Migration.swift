import Crypto
import Foundation

/// One forward-only schema change: `migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// Hex SHA-256 of the file's bytes, recorded when applied so later edits are noticed.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public var fileName: String { String(format: "%04d_%@.sql", version, name) }

    /// Reads every `NNNN_name.sql` in `directory`, in version order.
    ///
    /// Any other `.sql` file, or two files with one version, is an error: a misnamed migration
    /// that is silently skipped is worse than one that stops start-up.
    public static func load(from directory: URL) throws(MigrationError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .directoryUnreadable(path: directory.path, reason: "\(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for fileName in names.sorted() where fileName.hasSuffix(".sql") {
            guard let (version, name) = parse(fileName: fileName) else {
                throw .badFileName(fileName)
            }
            if let existing = migrations.first(where: { $0.version == version }) {
                throw .duplicateVersion(version, existing.fileName, fileName)
            }
            let url = directory.appendingPathComponent(fileName)
            guard let data = FileManager.default.contents(atPath: url.path), let sql = String(data: data, encoding: .utf8)
            else {
                throw .directoryUnreadable(path: url.path, reason: "not readable as UTF-8")
            }
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        if migrations.isEmpty {
            throw .directoryUnreadable(path: directory.path, reason: "holds no NNNN_name.sql files")
        }
        return migrations.sorted { $0.version < $1.version }
    }

    static func parse(fileName: String) -> (Int, String)? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        let digits = stem.prefix(while: \.isASCII).prefix(while: \.isNumber)
        guard digits.count == 4, let version = Int(digits), version > 0 else { return nil }
        let rest = stem.dropFirst(4)
        guard rest.first == "_" else { return nil }
        let name = rest.dropFirst()
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            return nil
        }
        return (version, String(name))
    }
}

/// Why migrations could not be applied. Each case reads as one line for an operator.
public enum MigrationError: Error, Sendable, CustomStringConvertible {
    case directoryUnreadable(path: String, reason: String)
    case badFileName(String)
    case duplicateVersion(Int, String, String)
    case edited(fileName: String, recorded: String, current: String)
    case missingFile(version: Int, name: String)
    case failed(fileName: String, statement: Int, reason: String)

    public var description: String {
        switch self {
        case .directoryUnreadable(let path, let reason):
            return "migrations directory \(path) \(reason)"
        case .badFileName(let name):
            return "migration file '\(name)' is not named NNNN_lowercase_name.sql"
        case .duplicateVersion(let version, let first, let second):
            return "migration version \(version) is used by both \(first) and \(second)"
        case .edited(let fileName, let recorded, let current):
            return
                "migration \(fileName) was edited after it was applied (recorded checksum \(recorded.prefix(12)), file now \(current.prefix(12))); migrations are forward-only: restore the file and add a new migration"
        case .missingFile(let version, let name):
            return String(
                format: "migration %04d_%@ is applied to the database but its file is missing; this build is older than the database",
                version,
                name
            )
        case .failed(let fileName, let statement, let reason):
            return "migration \(fileName) failed at statement \(statement) and was rolled back: \(reason)"
        }
    }
}
