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

    /// A tenant's own per-minute limits for API keys and users; nil where it uses the default.
    public func tenantRates(_ tenantID: UUID) async throws -> (apiKey: Int?, user: Int?) {
        let rows = try await client.query(
            "SELECT api_key_requests_per_minute, user_requests_per_minute FROM tenants WHERE id = \(tenantID)", logger: logger)
        return try await rows.collect().first?.decode((Int?, Int?).self) ?? (nil, nil)
    }

    /// Counts one request for `scope` and says whether it is within `limit` per minute.
    public func hit(_ scope: String, limit: Int) async throws -> Decision {
        try await hit([(scope, limit)])[0]
    }

    /// Counts one request against each scope in one statement, and says for each, in order,
    /// whether it is within its limit per minute.
    public func hit(_ limits: [(scope: String, limit: Int)]) async throws -> [Decision] {
        guard !limits.isEmpty else { return [] }
        let scopes = limits.map(\.scope)
        let rows = try await client.query(
            """
            INSERT INTO rate_limit_counters AS c (scope, window_start, count)
            SELECT scope, date_trunc('minute', now()), 1 FROM unnest(\(scopes)::text[]) AS scope
            ON CONFLICT (scope, window_start) DO UPDATE SET count = c.count + 1
            RETURNING scope, count, ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int
            """, logger: logger)
        var counted: [String: (count: Int, seconds: Int)] = [:]
        for try await (scope, count, seconds) in rows.decode((String, Int, Int).self) { counted[scope] = (count, seconds) }
        let opened = counted.filter { $0.value.count == 1 }.map(\.key)
        if !opened.isEmpty {
            // A window just opened for these scopes: their older windows are done with.
            try await client.query(
                "DELETE FROM rate_limit_counters WHERE scope = ANY(\(opened)::text[]) AND window_start < date_trunc('minute', now())",
                logger: logger)
        }
        return limits.map { scope, limit in
            let (count, seconds) = counted[scope] ?? (1, 60)
            return Decision(count: count, allowed: count <= limit, retryAfterSeconds: max(1, seconds))
        }
    }
}
