import EaselCore
import Logging
import NIOSSL
import PostgresNIO

/// One direct connection to the database, outside the pool, to learn quickly whether and why it
/// is unreachable.
///
/// The pool retries failing connections for a long time without saying why; a probe fails at once
/// with the server's own reason ("database ... does not exist", "password authentication failed").
public enum DatabaseProbe {
    public static func check(_ url: DatabaseURL, timeout: Duration = .seconds(5), logger: Logger) async throws {
        let tls: PostgresConnection.Configuration.TLS
        switch url.tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        let configuration = PostgresConnection.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: tls
        )
        try await withTimeout(timeout) {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            do {
                try await connection.query("SELECT 1", logger: logger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }
}
