import AsyncHTTPClient
import Crypto
import EaselCore
import EaselStore
import Foundation
import Gemini
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// Shuts the process's one Gemini HTTP client down when the application stops.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
