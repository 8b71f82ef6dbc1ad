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
        public enum Scope: String, Sendable {
            case apiKey = "key"
            case user
        }
        public var scope: Scope
        /// Requests allowed per minute.
        public var limit: Int
        /// Requests in this window, this one included.
        public var count: Int
        public var allowed: Bool { count <= limit }
        /// Seconds until the window ends.
        public var retryAfterSeconds: Int
    }

    /// Counts one request against the caller's API key (if any) and user, in one statement, at
    /// the tenant's own per-minute limits where it set them and the defaults otherwise. A scope
    /// whose limit is 0 is not limited, and not counted. Decisions come key first.
    public func hit(
        tenantID: UUID?,
        apiKeyID: UUID?,
        userID: UUID,
        defaultPerAPIKey: Int,
        defaultPerUser: Int
    ) async throws -> [Decision] {
        let keyScope = apiKeyID.map { "key:\($0.uuidString.lowercased())" }
        let userScope = "user:\(userID.uuidString.lowercased())"
        let rows = try await client.query(
            """
            WITH rates AS (
                SELECT COALESCE(t.api_key_requests_per_minute, \(defaultPerAPIKey)) AS per_key,
                       COALESCE(t.user_requests_per_minute, \(defaultPerUser)) AS per_user
                FROM (VALUES (1)) AS one LEFT JOIN tenants t ON t.id = \(tenantID)
            ), wanted (scope, kind, lim) AS (
                SELECT \(keyScope)::text, 'key', per_key FROM rates WHERE \(keyScope)::text IS NOT NULL AND per_key > 0
                UNION ALL
                SELECT \(userScope), 'user', per_user FROM rates WHERE per_user > 0
            ), counted AS (
                INSERT INTO rate_limit_counters AS c (scope, window_start, count)
                SELECT scope, date_trunc('minute', now()), 1 FROM wanted
                ON CONFLICT (scope, window_start) DO UPDATE SET count = c.count + 1
                RETURNING scope, count
            )
            SELECT w.scope, w.kind, w.lim, c.count,
                   ceil(extract(epoch FROM date_trunc('minute', now()) + interval '1 minute' - now()))::int
            FROM wanted w JOIN counted c ON c.scope = w.scope
            ORDER BY w.kind
            """,
            logger: logger
        )
        var decisions: [Decision] = []
        var opened: [String] = []
        for try await (scope, kind, limit, count, seconds) in rows.decode((String, String, Int, Int, Int).self) {
            decisions.append(Decision(scope: Decision.Scope(rawValue: kind) ?? .user, limit: limit, count: count, retryAfterSeconds: max(1, seconds)))
            if count == 1 { opened.append(scope) }
        }
        if !opened.isEmpty {
            // A window just opened for these scopes: their older windows are done with.
            try await client.query(
                "DELETE FROM rate_limit_counters WHERE scope = ANY(\(opened)::text[]) AND window_start < date_trunc('minute', now())",
                logger: logger
            )
        }
        return decisions
    }
}
