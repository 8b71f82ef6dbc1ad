import EaselServer
import EaselStore
import EaselTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Configuration for an app under test: a test database, the repository's migrations and
/// console files, a cheap bcrypt cost.
func testConfiguration(_ url: DatabaseURL) -> AppConfiguration {
    AppConfiguration(
        databaseURL: url,
        port: 0,
        secretKey: Data((0..<32).map { _ in UInt8.random(in: 0...255) }),
        publicDirectory: TestDatabase.repositoryRoot.appendingPathComponent("Public").path,
        migrationsDirectory: TestDatabase.migrationsDirectory.path,
        bcryptCost: 4,
        logLevel: ProcessInfo.processInfo.environment["EASEL_TEST_APP_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .error
    )
    .with { $0.workers = 2 }
}

/// The JSON error body every failure carries.
struct ErrorEnvelope: Decodable {
    struct Detail: Decodable {
        var code: String
        var message: String
        var requestId: String
    }
    var error: Detail
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(buffer: body))
    }

    var text: String { String(buffer: body) }
}

extension AppConfiguration {
    func with(_ change: (inout AppConfiguration) -> Void) -> AppConfiguration {
        var copy = self
        change(&copy)
        return copy
    }
}
