import EaselCore
import Foundation
import Logging
import PostgresNIO

/// Tenants.
public struct TenantStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns = """
        id, name, slug, status, created_at, updated_at, monthly_image_quota, monthly_token_budget, max_concurrent_generations,
        max_queued_generations, api_key_requests_per_minute, user_requests_per_minute, quota_counts_imageless, image_retention_days
        """

    static func record(_ row: PostgresRow) throws -> TenantRecord {
        let (id, name, slug, status, created, updated, quota, budget, concurrency, queued, perKey, perUser, imageless, retention) =
            try row.decode((UUID, String, String, String, Date, Date, Int?, Int?, Int?, Int?, Int?, Int?, Bool, Int?).self)
        return TenantRecord(
            id: id,
            name: name,
            slug: slug,
            status: TenantRecord.Status(rawValue: status) ?? .suspended,
            limits: TenantLimits(
                monthlyImageQuota: quota,
                monthlyTokenBudget: budget,
                maxConcurrentGenerations: concurrency,
                maxQueuedGenerations: queued,
                apiKeyRequestsPerMinute: perKey,
                userRequestsPerMinute: perUser,
                quotaCountsImageless: imageless,
                imageRetentionDays: retention
            ),
            createdAt: created,
            updatedAt: updated
        )
    }

    public struct NewTenant: Sendable {
        public var name: String
        public var slug: String
        public var limits: TenantLimits

        public init(name: String, slug: String, limits: TenantLimits = TenantLimits()) {
            self.name = name
            self.slug = slug
            self.limits = limits
        }
    }

    public func create(_ tenant: NewTenant, audit: AuditEntry) async throws -> TenantRecord {
        let limits = tenant.limits
        return try await Transaction.run(client, logger: logger, conflict: "a tenant with slug '\(tenant.slug)' already exists") { connection in
            let rows = try await connection.query(
                """
                INSERT INTO tenants (name, slug, monthly_image_quota, monthly_token_budget, max_concurrent_generations,
                                     max_queued_generations, api_key_requests_per_minute, user_requests_per_minute,
                                     quota_counts_imageless, image_retention_days)
                VALUES (\(tenant.name), \(tenant.slug), \(limits.monthlyImageQuota), \(limits.monthlyTokenBudget),
                        \(limits.maxConcurrentGenerations), \(limits.maxQueuedGenerations), \(limits.apiKeyRequestsPerMinute),
                        \(limits.userRequestsPerMinute), \(limits.quotaCountsImageless), \(limits.imageRetentionDays))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            let record = try Self.record(try await rows.collect().first!)
            var audit = audit
            audit.tenantID = record.id
            audit.targetType = "tenant"
            audit.targetID = record.id.uuidString.lowercased()
            try await audit.insert(on: connection, logger: logger)
            return record
        }
    }

    public func get(_ id: UUID) async throws -> TenantRecord? {
        let rows = try await client.query("SELECT \(unescaped: Self.columns) FROM tenants WHERE id = \(id)", logger: logger)
        return try await rows.collect().first.map(Self.record)
    }

    public func get(slug: String) async throws -> TenantRecord? {
        let rows = try await client.query("SELECT \(unescaped: Self.columns) FROM tenants WHERE slug = \(slug)", logger: logger)
        return try await rows.collect().first.map(Self.record)
    }

    public func list(limit: Int, after cursor: Cursor?) async throws -> Page<TenantRecord> {
        let afterMicros = cursor?.micros
        let afterID = cursor.flatMap { UUID(uuidString: $0.id) }
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns), \(unescaped: Cursor.microsColumn()) FROM tenants
            WHERE \(afterMicros)::bigint IS NULL
               OR (created_at, id) > (timestamptz 'epoch' + \(afterMicros)::bigint * interval '1 microsecond', \(afterID))
            ORDER BY created_at, id LIMIT \(limit + 1)
            """,
            logger: logger
        )
        return try await Page(rows, limit: limit, decode: Self.record) { $0.id.uuidString }
    }

    /// Changes to a tenant; nil fields stay as they are. Limits use `.some(nil)` to mean "unlimited".
    public struct Patch: Sendable {
        public var name: String?
        public var status: TenantRecord.Status?
        /// Applied to the limits as they are, under the row's lock.
        public var limits: @Sendable (inout TenantLimits) -> Void = { _ in }
        public init() {}
    }

    /// Applies `patch` and records before and after in the audit log; nil when no such tenant.
    public func update(_ id: UUID, _ patch: Patch, audit: AuditEntry) async throws -> TenantRecord? {
        try await Transaction.run(client, logger: logger) { connection in
            let current = try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM tenants WHERE id = \(id) FOR NO KEY UPDATE",
                logger: logger
            ).collect().first.map(Self.record)
            guard let before = current else { return nil }
            var after = before
            if let name = patch.name { after.name = name }
            if let status = patch.status { after.status = status }
            patch.limits(&after.limits)
            let limits = after.limits
            let rows = try await connection.query(
                """
                UPDATE tenants SET name = \(after.name), status = \(after.status.rawValue),
                    monthly_image_quota = \(limits.monthlyImageQuota), monthly_token_budget = \(limits.monthlyTokenBudget),
                    max_concurrent_generations = \(limits.maxConcurrentGenerations),
                    max_queued_generations = \(limits.maxQueuedGenerations),
                    api_key_requests_per_minute = \(limits.apiKeyRequestsPerMinute),
                    user_requests_per_minute = \(limits.userRequestsPerMinute),
                    quota_counts_imageless = \(limits.quotaCountsImageless),
                    image_retention_days = \(limits.imageRetentionDays), updated_at = now()
                WHERE id = \(id) RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            let updated = try Self.record(try await rows.collect().first!)
            var audit = audit
            audit.tenantID = id
            audit.targetType = "tenant"
            audit.targetID = id.uuidString.lowercased()
            audit.detailsJSON = AuditDetails.change(before: Self.auditFields(before), after: Self.auditFields(updated))
            try await audit.insert(on: connection, logger: logger)
            return updated
        }
    }

    static func auditFields(_ tenant: TenantRecord) -> [String: String] {
        let limits = tenant.limits
        return [
            "name": tenant.name, "status": tenant.status.rawValue,
            "monthlyImageQuota": limits.monthlyImageQuota.map(String.init) ?? "unlimited",
            "monthlyTokenBudget": limits.monthlyTokenBudget.map(String.init) ?? "unlimited",
            "maxConcurrentGenerations": limits.maxConcurrentGenerations.map(String.init) ?? "unlimited",
            "maxQueuedGenerations": limits.maxQueuedGenerations.map(String.init) ?? "unlimited",
            "apiKeyRequestsPerMinute": limits.apiKeyRequestsPerMinute.map(String.init) ?? "default",
            "userRequestsPerMinute": limits.userRequestsPerMinute.map(String.init) ?? "default",
            "quotaCountsImageless": String(limits.quotaCountsImageless),
            "imageRetentionDays": limits.imageRetentionDays.map(String.init) ?? "forever",
        ]
    }
}
