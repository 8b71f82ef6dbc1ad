import Foundation
import Logging
import PostgresNIO

/// Fixed one-minute windows counted in PostgreSQL, so every instance sees the same counts.
public struct RateLimitStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public struct Decision: Sendable, Equatable {
        /// Requests in this window, this one included.
        public var count: Int
        public var allowed: Bool
        /// Seconds until the window ends.
        public var retryAfterSeconds: Int
    }

    /// Counts one request for `scope` and says whether it is within `limit` per minute.
    public func hit(_ scope: String, limit: Int) async throws -> Decision {
        let rows = try await client.query(
            """
            INSERT INTO rate_limit_counters AS c (scope, window_start, count) VALUES (\(scope), date_trunc('minute', now()), 1)
            ON CONFLICT (scope, window_start) DO UPDATE SET count = c.count + 1
            RETURNING count, ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int
            """, logger: logger)
        let (count, seconds) = try await rows.collect().first!.decode((Int, Int).self)
        if count == 1 {
            try await client.query(
                "DELETE FROM rate_limit_counters WHERE scope = \(scope) AND window_start < date_trunc('minute', now())", logger: logger)
        }
        return Decision(count: count, allowed: count <= limit, retryAfterSeconds: max(1, seconds))
    }
}
