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

        /// The key and label of a row's group (fixed SQL, never caller text).
        var expressions: (key: String, label: String) {
            switch self {
            case .total: return ("'total'", "'All generations'")
            case .day: return ("to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')", "to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
            case .month: return ("to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM')", "to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM')")
            case .model: return ("m.id::text", "min(m.name)")
            case .user: return ("u.id::text", "min(u.email)")
            case .tenant: return ("t.id::text", "min(t.name)")
            case .reason:
                return ("COALESCE(g.error_code, g.block_reason, g.status)", "COALESCE(g.error_code, g.block_reason, g.status)")
            }
        }
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
        public var outputTokens: Int
        public var imageTokens: Int
        public var thoughtTokens: Int
        public var costMicros: Int
        /// Generations whose cost is unknown (no price for their model and day).
        public var unpriced: Int
        public var latencyP50Ms: Double?
        public var latencyP95Ms: Double?
    }

    /// Figures for generations made in [from, to), for one tenant or (nil) all, grouped.
    public func figures(tenantID: UUID?, from: Date, to: Date, groupBy: Grouping) async throws -> [Figures] {
        let (key, label) = groupBy.expressions
        let rows = try await client.query(
            """
            SELECT \(unescaped: key) AS key, \(unescaped: label),
                count(*)::int,
                count(*) FILTER (WHERE g.status = 'succeeded')::int,
                count(*) FILTER (WHERE g.status = 'blocked')::int,
                count(*) FILTER (WHERE g.status = 'failed')::int,
                count(*) FILTER (WHERE g.status = 'canceled')::int,
                COALESCE(sum(g.image_count), 0)::bigint,
                COALESCE(sum(g.prompt_tokens), 0)::bigint,
                COALESCE(sum(g.output_tokens), 0)::bigint,
                COALESCE(sum(g.image_tokens), 0)::bigint,
                COALESCE(sum(g.thought_tokens), 0)::bigint,
                COALESCE(sum(g.cost_micros), 0)::bigint,
                count(*) FILTER (WHERE g.finished_at IS NOT NULL AND g.cost_micros IS NULL AND g.total_tokens IS NOT NULL)::int,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY g.latency_ms) FILTER (WHERE g.status = 'succeeded'),
                percentile_cont(0.95) WITHIN GROUP (ORDER BY g.latency_ms) FILTER (WHERE g.status = 'succeeded')
            FROM generations g JOIN models m ON m.id = g.model_id JOIN users u ON u.id = g.user_id JOIN tenants t ON t.id = g.tenant_id
            WHERE (\(tenantID)::uuid IS NULL OR g.tenant_id = \(tenantID))
              AND g.created_at >= \(from) AND g.created_at < \(to)
            GROUP BY 1 ORDER BY 1
            """, logger: logger)
        var result: [Figures] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            result.append(
                Figures(
                    key: try c[0].decode(String.self), label: try c[1].decode(String.self), requests: try c[2].decode(Int.self),
                    succeeded: try c[3].decode(Int.self), blocked: try c[4].decode(Int.self), failed: try c[5].decode(Int.self),
                    canceled: try c[6].decode(Int.self), images: try c[7].decode(Int.self), promptTokens: try c[8].decode(Int.self),
                    outputTokens: try c[9].decode(Int.self), imageTokens: try c[10].decode(Int.self), thoughtTokens: try c[11].decode(Int.self),
                    costMicros: try c[12].decode(Int.self), unpriced: try c[13].decode(Int.self),
                    latencyP50Ms: try c[14].decode(Double?.self), latencyP95Ms: try c[15].decode(Double?.self)))
        }
        return result
    }
}

/// A price: dollars per million tokens of one kind for one upstream model, from a date on.
public struct PriceRecord: Sendable, Equatable {
    public var id: UUID
    public var apiModel: String
    public var kind: String
    public var usdPerMillionTokens: Double
    public var effectiveFrom: String
}

extension UsageStore {
    public static let priceKinds = ["input", "output_text", "output_image", "thoughts"]

    public func prices() async throws -> [PriceRecord] {
        let rows = try await client.query(
            """
            SELECT id, api_model, kind, usd_per_million_tokens::float8, to_char(effective_from, 'YYYY-MM-DD') FROM model_prices
            ORDER BY api_model, kind, effective_from DESC
            """, logger: logger)
        var result: [PriceRecord] = []
        for try await (id, model, kind, usd, from) in rows.decode((UUID, String, String, Double, String).self) {
            result.append(PriceRecord(id: id, apiModel: model, kind: kind, usdPerMillionTokens: usd, effectiveFrom: from))
        }
        return result
    }

    /// What `imageTokens` output image tokens of `apiModel` cost at today's prices (UTC).
    public func costMicros(apiModel: String, imageTokens: Int) async throws -> Int? {
        let rows = try await client.query(
            """
            SELECT generation_cost_micros(\(apiModel), (now() AT TIME ZONE 'UTC')::date, 0, \(imageTokens)::int, \(imageTokens)::int, 0)
            """, logger: logger)
        return try await rows.collect().first?.decode(Int?.self)
    }

    /// Adds a price from a date on (the same model, kind and date replaces the old figure).
    /// Generations already priced keep their cost.
    public func setPrice(apiModel: String, kind: String, usdPerMillionTokens: Double, effectiveFrom: String) async throws -> PriceRecord {
        let rows = try await client.query(
            """
            INSERT INTO model_prices (api_model, kind, usd_per_million_tokens, effective_from)
            VALUES (\(apiModel), \(kind), \(usdPerMillionTokens)::numeric(12, 4), \(effectiveFrom)::date)
            ON CONFLICT (api_model, kind, effective_from) DO UPDATE SET usd_per_million_tokens = EXCLUDED.usd_per_million_tokens
            RETURNING id, api_model, kind, usd_per_million_tokens::float8, to_char(effective_from, 'YYYY-MM-DD')
            """, logger: logger)
        let (id, model, k, usd, from) = try await rows.collect().first!.decode((UUID, String, String, Double, String).self)
        return PriceRecord(id: id, apiModel: model, kind: k, usdPerMillionTokens: usd, effectiveFrom: from)
    }
}
