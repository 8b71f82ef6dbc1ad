import EaselCore
import Foundation
import Logging
import PostgresNIO

/// Usage figures computed from stored generations.
public struct UsageStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public enum Grouping: String, Sendable, CaseIterable {
        case total, day, month, model, user, tenant, reason

        /// The key and label of a row `r` of the roll-up, and the join the label needs (fixed
        /// SQL, never caller text).
        var expressions: (key: String, label: String, join: String) {
            switch self {
            case .total: return ("'total'", "'All generations'", "")
            case .day: return ("to_char(r.day, 'YYYY-MM-DD')", "to_char(r.day, 'YYYY-MM-DD')", "")
            case .month: return ("to_char(r.day, 'YYYY-MM')", "to_char(r.day, 'YYYY-MM')", "")
            case .model: return ("r.model_id::text", "m.name", "JOIN models m ON m.id = r.model_id")
            case .user: return ("r.user_id::text", "COALESCE(u.email, 'deleted user')", "LEFT JOIN users u ON u.id = r.user_id")
            case .tenant: return ("r.tenant_id::text", "t.name", "JOIN tenants t ON t.id = r.tenant_id")
            case .reason: return ("r.reason", "r.reason", "")
            }
        }
    }

    /// The UTC days [from, to) of a usage query: by default this calendar month so far; usage
    /// is counted per day, so each bound must be a midnight, and a range spans at most three years.
    public static func dayRange(from: Date?, to: Date?, now: Date = Date()) throws(ValidationError) -> (from: Date, to: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let from = from ?? calendar.date(from: calendar.dateComponents([.year, .month], from: now))!
        let to = to ?? calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: now))!
        for (name, date) in [("from", from), ("to", to)] where calendar.startOfDay(for: date) != date {
            throw ValidationError(field: name, message: "must be a date such as 2026-11-01: usage is counted per UTC day")
        }
        guard from < to else { throw ValidationError(field: "to", message: "must be after from") }
        guard to.timeIntervalSince(from) <= 3 * 366 * 86400 else {
            throw ValidationError(field: "to", message: "must be at most three years after from")
        }
        return (from, to)
    }

    /// One group's figures. Token counts are split as `usageMetadata` reports them.
    public struct Figures: Sendable, Equatable {
        public var key: String
        public var label: String
        public var requests: Int
        public var succeeded: Int
        public var blocked: Int
        public var failed: Int
        public var canceled: Int
        public var images: Int
        public var promptTokens: Int
        /// Of the prompt tokens, those that were images.
        public var promptImageTokens: Int
        public var outputTokens: Int
        public var imageTokens: Int
        public var thoughtTokens: Int
        public var costMicros: Int
        /// Generations whose cost is unknown (no price for their model and day).
        public var unpriced: Int
        /// Latency percentiles of succeeded generations, read from the roll-up's buckets: within
        /// 20% of the exact figure.
        public var latencyP50Ms: Double?
        public var latencyP95Ms: Double?
    }

    /// Figures for generations made on the UTC days [from, to), for one tenant or (nil) all,
    /// grouped. Finished generations come from the daily roll-up (`usage_daily`); queued and
    /// running ones, which it does not hold yet, are counted as requests from `generations`.
    public func figures(tenantID: UUID?, from: Date, to: Date, groupBy: Grouping) async throws -> [Figures] {
        let (key, label, join) = groupBy.expressions
        let rows = try await client.query(
            """
            WITH r AS (
                SELECT tenant_id, day, user_id, model_id, status, reason, latency_bucket, requests, images, prompt_tokens,
                       prompt_image_tokens, output_tokens, image_tokens, thought_tokens, cost_micros, unpriced
                FROM usage_daily
                WHERE (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
                  AND day >= (\(from) AT TIME ZONE 'UTC')::date AND day < (\(to) AT TIME ZONE 'UTC')::date
                UNION ALL
                SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, user_id, model_id, status, status, -1, 1, 0, 0, 0, 0, 0, 0, 0, 0
                FROM generations
                WHERE status IN ('queued', 'running') AND (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
                  AND created_at >= \(from) AND created_at < \(to)
            ), grouped AS MATERIALIZED (
                -- Summed per group, outcome and latency bucket first: a few hundred rows from here on.
                SELECT \(unescaped: key) AS key, min(\(unescaped: label)) AS label, r.status, r.latency_bucket,
                       sum(r.requests) AS requests, sum(r.images) AS images, sum(r.prompt_tokens) AS prompt_tokens,
                       sum(r.prompt_image_tokens) AS prompt_image_tokens,
                       sum(r.output_tokens) AS output_tokens, sum(r.image_tokens) AS image_tokens,
                       sum(r.thought_tokens) AS thought_tokens, sum(r.cost_micros) AS cost_micros, sum(r.unpriced) AS unpriced
                FROM r \(unescaped: join) GROUP BY 1, r.status, r.latency_bucket
            ), latency AS (
                SELECT key, latency_bucket AS bucket, sum(requests) AS n FROM grouped WHERE latency_bucket >= 0
                GROUP BY 1, 2
            ), running AS (
                SELECT key, bucket, n, sum(n) OVER (PARTITION BY key ORDER BY bucket) AS upto, sum(n) OVER (PARTITION BY key) AS total
                FROM latency
            ), percentiles AS (
                -- The bucket holding the percentile, interpolated geometrically within it.
                SELECT key,
                    (array_agg(power(1.2, bucket + (0.5 * total - (upto - n)) / n)::float8 ORDER BY bucket)
                        FILTER (WHERE upto >= 0.5 * total))[1] AS p50,
                    (array_agg(power(1.2, bucket + (0.95 * total - (upto - n)) / n)::float8 ORDER BY bucket)
                        FILTER (WHERE upto >= 0.95 * total))[1] AS p95
                FROM running GROUP BY key
            )
            SELECT g.key, min(g.label),
                sum(requests)::bigint,
                COALESCE(sum(requests) FILTER (WHERE status = 'succeeded'), 0)::bigint,
                COALESCE(sum(requests) FILTER (WHERE status = 'blocked'), 0)::bigint,
                COALESCE(sum(requests) FILTER (WHERE status = 'failed'), 0)::bigint,
                COALESCE(sum(requests) FILTER (WHERE status = 'canceled'), 0)::bigint,
                sum(images)::bigint, sum(prompt_tokens)::bigint, sum(prompt_image_tokens)::bigint, sum(output_tokens)::bigint, sum(image_tokens)::bigint,
                sum(thought_tokens)::bigint, sum(cost_micros)::bigint, sum(unpriced)::bigint,
                min(p.p50), min(p.p95)
            FROM grouped g LEFT JOIN percentiles p ON p.key = g.key
            GROUP BY g.key ORDER BY 1
            """,
            logger: logger
        )
        var result: [Figures] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            result.append(
                Figures(
                    key: try c[0].decode(String.self),
                    label: try c[1].decode(String.self),
                    requests: try c[2].decode(Int.self),
                    succeeded: try c[3].decode(Int.self),
                    blocked: try c[4].decode(Int.self),
                    failed: try c[5].decode(Int.self),
                    canceled: try c[6].decode(Int.self),
                    images: try c[7].decode(Int.self),
                    promptTokens: try c[8].decode(Int.self),
                    promptImageTokens: try c[9].decode(Int.self),
                    outputTokens: try c[10].decode(Int.self),
                    imageTokens: try c[11].decode(Int.self),
                    thoughtTokens: try c[12].decode(Int.self),
                    costMicros: try c[13].decode(Int.self),
                    unpriced: try c[14].decode(Int.self),
                    latencyP50Ms: try c[15].decode(Double?.self),
                    latencyP95Ms: try c[16].decode(Double?.self)
                )
            )
        }
        return result
    }
}

extension UsageStore {
    public static let priceKinds = ["input", "output_text", "output_image", "thoughts"]

    public func prices() async throws -> [PriceRecord] {
        let rows = try await client.query(
            """
            SELECT id, api_model, kind, service_tier, usd_per_million_tokens::float8, to_char(effective_from, 'YYYY-MM-DD') FROM model_prices
            ORDER BY api_model, array_position(ARRAY['standard', 'flex', 'priority'], service_tier), kind, effective_from DESC
            """,
            logger: logger
        )
        var result: [PriceRecord] = []
        for try await (id, model, kind, tier, usd, from) in rows.decode((UUID, String, String, String, Double, String).self) {
            result.append(PriceRecord(id: id, apiModel: model, kind: kind, serviceTier: tier, usdPerMillionTokens: usd, effectiveFrom: from))
        }
        return result
    }

    /// What `inputTokens` and `imageTokens` output image tokens of `apiModel` cost at today's
    /// prices (UTC) of `serviceTier` (nil: standard); nil when it has no price for one of them.
    public func costMicros(apiModel: String, serviceTier: String? = nil, inputTokens: Int, imageTokens: Int) async throws -> Int? {
        let rows = try await client.query(
            """
            SELECT generation_cost_micros(\(apiModel), \(serviceTier)::text, (now() AT TIME ZONE 'UTC')::date, \(inputTokens)::int, \(imageTokens)::int,
                                          \(imageTokens)::int, 0)
            """,
            logger: logger
        )
        return try await rows.collect().first?.decode(Int?.self)
    }

    /// Adds a price from a date on (the same model, kind and date replaces the old figure).
    /// Generations already priced keep their cost.
    /// Sets a price from a day on, recording in the audit log (in the same transaction) what it
    /// was before on that day, if anything.
    public func setPrice(
        apiModel: String,
        kind: String,
        serviceTier: String = "standard",
        usdPerMillionTokens: Double,
        effectiveFrom: String,
        audit: AuditEntry
    ) async throws -> PriceRecord {
        try await Transaction.run(client, logger: logger) { connection in
            let before = try await connection.query(
                """
                SELECT usd_per_million_tokens::float8 FROM model_prices
                WHERE api_model = \(apiModel) AND kind = \(kind) AND service_tier = \(serviceTier) AND effective_from = \(effectiveFrom)::date
                FOR UPDATE
                """,
                logger: logger
            ).collect().first?.decode(Double.self)
            let rows = try await connection.query(
                """
                INSERT INTO model_prices (api_model, kind, service_tier, usd_per_million_tokens, effective_from)
                VALUES (\(apiModel), \(kind), \(serviceTier), \(usdPerMillionTokens)::numeric(12, 4), \(effectiveFrom)::date)
                ON CONFLICT (api_model, kind, service_tier, effective_from) DO UPDATE SET usd_per_million_tokens = EXCLUDED.usd_per_million_tokens
                RETURNING id, api_model, kind, service_tier, usd_per_million_tokens::float8, to_char(effective_from, 'YYYY-MM-DD')
                """,
                logger: logger
            )
            let (id, model, k, tier, usd, from) = try await rows.collect().first!.decode((UUID, String, String, String, Double, String).self)
            var audit = audit
            audit.targetType = "price"
            audit.targetID = tier == "standard" ? "\(model)/\(k)/\(from)" : "\(model)/\(k)/\(tier)/\(from)"
            audit.detailsJSON = AuditDetails.change(
                before: before.map { ["usdPerMillionTokens": String($0)] } ?? [:],
                after: ["usdPerMillionTokens": String(usd)]
            )
            try await audit.insert(on: connection, logger: logger)
            return PriceRecord(id: id, apiModel: model, kind: k, serviceTier: tier, usdPerMillionTokens: usd, effectiveFrom: from)
        }
    }
}
