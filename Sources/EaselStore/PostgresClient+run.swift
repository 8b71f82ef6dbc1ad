import EaselCore
import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` with a client that is running for the duration, for one-off commands
    /// (`easel migrate`, `easel create-admin`) that are not long-lived services.
    public static func withRunning<T: Sendable>(
        _ configuration: PostgresClient.Configuration,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        // A one-off command's first query may race the pool's start-up, which the pool logs as a
        // warning; real connection failures still surface as the query's error.
        var backgroundLogger = logger
        backgroundLogger.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: backgroundLogger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
