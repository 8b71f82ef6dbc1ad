import EaselCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// What a tenant and its users may still use: the admission check of every request (monthly
/// quotas, token budget, a user's own limit, the queue bound), the month's usage it counts, and
/// the users' own limits.
public struct AdmissionStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A limit a request would go past: a monthly quota, or the tenant's generations in flight.
    public struct QuotaRefusal: Error, Sendable, Equatable {
        public enum Limit: String, Sendable { case images, tokens, userImages, inFlight }
        public var limit: Limit
        public var used: Int
        public var allowed: Int
        public var tenantName: String
        /// When the month's quotas reset; for `inFlight`, when to try again.
        public var resetsAt: Date
        /// How many images the refused request asked for (its variations).
        public var requested = 1
    }

    /// How long a request refused for the tenant's generations in flight is told to wait.
    public static let inFlightRetrySeconds = 5

    /// Throws a `QuotaRefusal` if the tenant's month is used up, or if it would have to wait behind
    /// more queued generations than the tenant may have. Under a per-tenant advisory lock held
    /// to the end of the enqueue transaction, so concurrent requests are counted one after
    /// another; queued and running generations count as one image each until they end.
    /// `count` is how many generations the request adds (its variations).
    static func check(tenantID: UUID, userID: UUID, count: Int = 1, on connection: PostgresConnection, logger: Logger) async throws {
        let limits = try await connection.query(
            """
            SELECT t.name, t.monthly_image_quota, t.monthly_token_budget, t.max_concurrent_generations, t.max_queued_generations,
                   (SELECT monthly_image_limit FROM user_limits WHERE user_id = \(userID) AND tenant_id = t.id)
            FROM tenants t WHERE t.id = \(tenantID)
            """,
            logger: logger
        ).collect().first?.decode((String, Int?, Int?, Int?, Int?, Int?).self)
        guard let (name, quota, budget, concurrency, queueBound, userLimit) = limits,
            quota != nil || budget != nil || queueBound != nil || userLimit != nil
        else { return }
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtext('easel.quota'), hashtext(\(tenantID.uuidString.lowercased())))",
            logger: logger
        )
        if let queueBound {
            let (running, queued) = try await connection.query(
                """
                SELECT count(*) FILTER (WHERE status = 'running')::int, count(*) FILTER (WHERE status = 'queued')::int
                FROM generations WHERE tenant_id = \(tenantID) AND status IN ('queued', 'running')
                """,
                logger: logger
            ).collect().first!.decode((Int, Int).self)
            // The queued ones take the free slots first; this one would wait behind the rest.
            let freeSlots = concurrency.map { max(0, $0 - running) } ?? 0
            if queued + count - 1 >= queueBound + freeSlots {
                throw QuotaRefusal(
                    limit: .inFlight,
                    used: running + queued,
                    allowed: (concurrency ?? running) + queueBound,
                    tenantName: name,
                    resetsAt: Date().addingTimeInterval(TimeInterval(Self.inFlightRetrySeconds))
                )
            }
        }
        guard quota != nil || budget != nil || userLimit != nil else { return }
        let month = try await Self.monthlyUsage(
            try await connection.query(Self.monthlyUsageQuery(tenantID: tenantID, userID: userID), logger: logger)
        )
        let (images, tokens, userImages, resets) = (month.images, month.tokens, month.userImages, month.resetsAt)
        // Every image of the request must fit (a token budget is only known after the calls).
        if let quota, images + count > quota {
            throw QuotaRefusal(limit: .images, used: images, allowed: quota, tenantName: name, resetsAt: resets, requested: count)
        }
        if let budget, tokens >= budget {
            throw QuotaRefusal(limit: .tokens, used: tokens, allowed: budget, tenantName: name, resetsAt: resets)
        }
        if let userLimit, userImages + count > userLimit {
            throw QuotaRefusal(limit: .userImages, used: userImages, allowed: userLimit, tenantName: name, resetsAt: resets, requested: count)
        }
    }

    /// The users of a tenant that have a monthly image limit of their own.
    public func userLimits(tenantID: UUID) async throws -> [UUID: Int] {
        let rows = try await client.query(
            "SELECT user_id, monthly_image_limit FROM user_limits WHERE tenant_id = \(tenantID)",
            logger: logger
        )
        var result: [UUID: Int] = [:]
        for try await (user, limit) in rows.decode((UUID, Int).self) { result[user] = limit }
        return result
    }

    /// Sets (or, with nil, removes) a user's own monthly image limit, with its audit entry in the
    /// same transaction.
    public func setUserLimit(_ userID: UUID, tenantID: UUID, monthlyImages: Int?, audit: AuditEntry) async throws {
        try await Transaction.run(client, logger: logger) { connection in
            if let monthlyImages {
                try await connection.query(
                    """
                    INSERT INTO user_limits (user_id, tenant_id, monthly_image_limit) VALUES (\(userID), \(tenantID), \(monthlyImages))
                    ON CONFLICT (user_id) DO UPDATE SET monthly_image_limit = EXCLUDED.monthly_image_limit, updated_at = now()
                    """,
                    logger: logger
                )
            } else {
                try await connection.query("DELETE FROM user_limits WHERE user_id = \(userID) AND tenant_id = \(tenantID)", logger: logger)
            }
            try await audit.insert(on: connection, logger: logger)
        }
    }

    /// What a tenant, and one of its users, have used this calendar month (UTC), counted as the
    /// quota check counts: finished generations by their images and tokens (a blocked or
    /// image-less result as one image and its tokens when the tenant counts those, else as
    /// nothing), queued and running ones as one image each.
    public struct MonthlyUsage: Sendable, Equatable {
        public var images: Int
        public var tokens: Int
        public var userImages: Int
        /// The user's own monthly image limit, if an admin set one.
        public var userLimit: Int?
        public var resetsAt: Date
    }

    /// Reads the daily roll-up for finished generations and `generations` for the ones in
    /// flight, in one statement so a generation finishing meanwhile is counted once.
    static func monthlyUsageQuery(tenantID: UUID, userID: UUID) -> PostgresQuery {
        """
        WITH month AS (SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AS start),
        counted AS (
            SELECT user_id, requests, images, total_tokens, (status = 'blocked' OR reason = 'no_image') AS imageless
            FROM usage_daily WHERE tenant_id = \(tenantID) AND day >= (SELECT start FROM month)::date
            UNION ALL
            SELECT user_id, 1, 1, 0, false FROM generations
            WHERE status IN ('queued', 'running') AND tenant_id = \(tenantID)
              AND created_at >= (SELECT start FROM month) AT TIME ZONE 'UTC'
        ), weighed AS (
            SELECT user_id,
                   CASE WHEN NOT imageless THEN images WHEN t.quota_counts_imageless THEN requests ELSE 0 END AS images,
                   CASE WHEN NOT imageless OR t.quota_counts_imageless THEN total_tokens ELSE 0 END AS tokens
            FROM counted, tenants t WHERE t.id = \(tenantID)
        )
        SELECT COALESCE(sum(images), 0)::bigint, COALESCE(sum(tokens), 0)::bigint,
               COALESCE(sum(images) FILTER (WHERE user_id = \(userID)), 0)::bigint,
               (SELECT monthly_image_limit FROM user_limits WHERE user_id = \(userID) AND tenant_id = \(tenantID)),
               ((SELECT start FROM month) + interval '1 month') AT TIME ZONE 'UTC'
        FROM weighed
        """
    }

    static func monthlyUsage(_ rows: PostgresRowSequence) async throws -> MonthlyUsage {
        let (images, tokens, userImages, userLimit, resets) = try await rows.collect().first!.decode((Int, Int, Int, Int?, Date).self)
        return MonthlyUsage(images: images, tokens: tokens, userImages: userImages, userLimit: userLimit, resetsAt: resets)
    }

    public func monthlyUsage(tenantID: UUID, userID: UUID) async throws -> MonthlyUsage {
        try await Self.monthlyUsage(try await client.query(Self.monthlyUsageQuery(tenantID: tenantID, userID: userID), logger: logger))
    }
}
