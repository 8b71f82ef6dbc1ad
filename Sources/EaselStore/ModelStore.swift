import EaselCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Model configs: platform-wide ones and tenants' private ones ("bring your own key").
public struct ModelStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    let box: SecretBox

    public init(client: PostgresClient, logger: Logger, box: SecretBox) {
        self.client = client
        self.logger = logger
        self.box = box
    }

    static let columns = """
        m.id, m.tenant_id, m.name, m.api_model, m.description, m.system_instruction, m.group_name, m.sort_order, m.base_url,
        m.token_hint, m.enabled, m.capabilities::text, m.deprecation_date::text, m.successor_id, m.visible_to_all,
        COALESCE((SELECT array_agg(a.tenant_id ORDER BY a.tenant_id) FROM model_tenant_access a WHERE a.model_id = m.id), '{}'),
        m.created_at, m.updated_at
        """

    /// A row of `columns`, decoded as a typed tuple in the order `columns` names them.
    static func record(_ row: PostgresRow) throws -> ModelRecord {
        let (
            id, tenantID, name, apiModel, description, systemInstruction, groupName, sortOrder, baseURL, tokenHint, enabled,
            capabilitiesJSON, deprecationDate, successorID, visibleToAll, tenantIDs, createdAt, updatedAt
        ) = try row.decode(
            (UUID, UUID?, String, String, String, String, String, Int, String?, String?, Bool, String, String?, UUID?, Bool, [UUID], Date, Date)
                .self
        )
        let capabilities = (try? JSONDecoder().decode(ModelCapabilities.self, from: Data(capabilitiesJSON.utf8))) ?? .unknownModel
        let fields = ModelFields(
            name: name,
            apiModel: apiModel,
            description: description,
            systemInstruction: systemInstruction,
            groupName: groupName,
            sortOrder: sortOrder,
            baseURL: baseURL,
            enabled: enabled,
            capabilities: capabilities,
            deprecationDate: deprecationDate,
            successorID: successorID,
            visibleToAll: visibleToAll,
            tenantIDs: tenantIDs
        )
        return ModelRecord(id: id, tenantID: tenantID, fields: fields, tokenHint: tokenHint, createdAt: createdAt, updatedAt: updatedAt)
    }

    /// What to do with the token on an update.
    public enum TokenChange: Sendable, Equatable {
        case keep
        case replace(String)
        case remove
    }

    public func create(tenantID: UUID?, _ fields: ModelFields, token: String?, audit: AuditEntry) async throws -> ModelRecord {
        let id = UUID()
        let sealed = try token.map { try box.seal($0, boundTo: id) }
        let hint = token.map(ModelRules.hint)
        return try await Transaction.run(client, logger: logger, conflict: "a model named '\(fields.name)' already exists here") { connection in
            let capabilities = String(decoding: try JSONEncoder().encode(fields.capabilities), as: UTF8.self)
            try await connection.query(
                """
                INSERT INTO models (id, tenant_id, name, api_model, description, system_instruction, group_name, sort_order,
                    base_url, token_ciphertext, token_hint, enabled, capabilities, deprecation_date, successor_id, visible_to_all)
                VALUES (\(id), \(tenantID), \(fields.name), \(fields.apiModel), \(fields.description), \(fields.systemInstruction),
                    \(fields.groupName), \(fields.sortOrder), \(fields.baseURL), \(sealed.map { ByteBuffer(data: $0) }), \(hint),
                    \(fields.enabled), \(capabilities)::jsonb, \(fields.deprecationDate)::date, \(fields.successorID), \(fields.visibleToAll))
                """,
                logger: logger
            )
            try await Self.setAccess(id, fields.visibleToAll ? [] : fields.tenantIDs, on: connection, logger: logger)
            var audit = audit
            audit.tenantID = tenantID
            audit.targetType = "model"
            audit.targetID = id.uuidString.lowercased()
            var details = fields.auditFields
            details["token"] = token == nil ? "none" : "set"
            audit.detailsJSON = AuditDetails.json(details)
            try await audit.insert(on: connection, logger: logger)
            return try await Self.fetch(id, on: connection, logger: logger)!
        }
    }

    static func fetch(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> ModelRecord? {
        let rows = try await connection.query("SELECT \(unescaped: columns) FROM models m WHERE m.id = \(id)", logger: logger)
        return try await rows.collect().first.map(record)
    }

    /// The config if `scope` manages it: any for `.all` (platform admins), else the tenant's own.
    static func fetchManaged(
        _ id: UUID,
        scope: TenantScope,
        lock: Bool,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> ModelRecord? {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: columns) FROM models m
            WHERE m.id = \(id) AND (\(scope.tenantID)::uuid IS NULL OR m.tenant_id = \(scope.tenantID))
            \(unescaped: lock ? "FOR UPDATE" : "")
            """,
            logger: logger
        )
        return try await rows.collect().first.map(record)
    }

    static func setAccess(_ id: UUID, _ tenantIDs: [UUID], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM model_tenant_access WHERE model_id = \(id)", logger: logger)
        for tenantID in Set(tenantIDs) {
            try await connection.query("INSERT INTO model_tenant_access (model_id, tenant_id) VALUES (\(id), \(tenantID))", logger: logger)
        }
    }

    /// A config that `scope` manages (see ``fetchManaged``); for what a tenant may *use*, see ``usable(_:tenantID:)``.
    public func get(_ id: UUID, scope: TenantScope) async throws -> ModelRecord? {
        try await client.withConnection { connection in
            try await Self.fetchManaged(id, scope: scope, lock: false, on: connection, logger: logger)
        }
    }

    /// Configs an admin manages: every one for platform admins (`tenantID` nil), or a tenant's
    /// private ones. Ordered by group, sort order, name.
    public func listManaged(tenantID: UUID?) async throws -> [ModelRecord] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM models m
            WHERE \(tenantID)::uuid IS NULL OR m.tenant_id = \(tenantID)
            ORDER BY m.group_name, m.sort_order, lower(m.name), m.id
            """,
            logger: logger
        )
        return try await rows.collect().map(Self.record)
    }

    /// Configs the users of `tenantID` may pick: enabled platform models visible to the tenant,
    /// and the tenant's own enabled models.
    public func listUsable(tenantID: UUID) async throws -> [ModelRecord] {
        try await queryUsable(tenantID: tenantID, id: nil, enabledOnly: true)
    }

    /// Every config the users of `tenantID` can see, enabled or not.
    public func listVisible(tenantID: UUID) async throws -> [ModelRecord] {
        try await queryUsable(tenantID: tenantID, id: nil, enabledOnly: false)
    }

    /// A config the users of `tenantID` may use (enabled or not: the caller decides what a
    /// disabled one means), or nil when it is not theirs to see.
    public func usable(_ id: UUID, tenantID: UUID) async throws -> ModelRecord? {
        try await queryUsable(tenantID: tenantID, id: id, enabledOnly: false).first
    }

    func queryUsable(tenantID: UUID, id: UUID?, enabledOnly: Bool) async throws -> [ModelRecord] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM models m
            WHERE (\(id)::uuid IS NULL OR m.id = \(id)) AND (NOT \(enabledOnly) OR m.enabled)
              AND (m.tenant_id = \(tenantID) OR (m.tenant_id IS NULL AND (m.visible_to_all OR EXISTS (
                    SELECT 1 FROM model_tenant_access a WHERE a.model_id = m.id AND a.tenant_id = \(tenantID)))))
            ORDER BY m.group_name, m.sort_order, lower(m.name), m.id
            """,
            logger: logger
        )
        return try await rows.collect().map(Self.record)
    }

    /// Applies new fields and a token change; audits before/after (the token only as
    /// "replaced" or "removed"). Nil when there is no such config.
    public func update(
        _ id: UUID,
        scope: TenantScope,
        _ change: @Sendable (inout ModelFields) throws -> Void,
        token: TokenChange,
        audit: AuditEntry
    ) async throws -> ModelRecord? {
        let sealed = try { () throws -> Data? in
            if case .replace(let token) = token { return try box.seal(token, boundTo: id) }
            return nil
        }()
        return try await Transaction.run(client, logger: logger, conflict: "a model with that name already exists here") { connection in
            guard let current = try await Self.fetchManaged(id, scope: scope, lock: true, on: connection, logger: logger) else {
                return nil
            }
            let before = current.fields
            var after = before
            try change(&after)
            let capabilities = String(decoding: try JSONEncoder().encode(after.capabilities), as: UTF8.self)
            try await connection.query(
                """
                UPDATE models SET name = \(after.name), api_model = \(after.apiModel), description = \(after.description),
                    system_instruction = \(after.systemInstruction), group_name = \(after.groupName), sort_order = \(after.sortOrder),
                    base_url = \(after.baseURL), enabled = \(after.enabled), capabilities = \(capabilities)::jsonb,
                    deprecation_date = \(after.deprecationDate)::date, successor_id = \(after.successorID),
                    visible_to_all = \(after.visibleToAll), updated_at = now()
                WHERE id = \(id)
                """,
                logger: logger
            )
            switch token {
            case .keep: break
            case .replace(let plaintext):
                try await connection.query(
                    "UPDATE models SET token_ciphertext = \(ByteBuffer(data: sealed!)), token_hint = \(ModelRules.hint(plaintext)) WHERE id = \(id)",
                    logger: logger
                )
            case .remove:
                try await connection.query("UPDATE models SET token_ciphertext = NULL, token_hint = NULL WHERE id = \(id)", logger: logger)
            }
            try await Self.setAccess(id, after.visibleToAll ? [] : after.tenantIDs, on: connection, logger: logger)
            var audit = audit
            audit.tenantID = current.tenantID
            audit.targetType = "model"
            audit.targetID = id.uuidString.lowercased()
            var beforeFields = before.auditFields
            var afterFields = after.auditFields
            switch token {
            case .keep: break
            case .replace:
                beforeFields["token"] = current.tokenHint == nil ? "none" : "set"
                afterFields["token"] = "replaced"
            case .remove:
                beforeFields["token"] = current.tokenHint == nil ? "none" : "set"
                afterFields["token"] = "removed"
            }
            audit.detailsJSON = AuditDetails.change(before: beforeFields, after: afterFields)
            try await audit.insert(on: connection, logger: logger)
            return try await Self.fetch(id, on: connection, logger: logger)
        }
    }

    public enum DeleteResult: Sendable, Equatable {
        case deleted
        case notFound
        /// Generations reference the config; it can only be disabled.
        case inUse(generations: Int)
    }

    public func delete(_ id: UUID, scope: TenantScope, audit: AuditEntry) async throws -> DeleteResult {
        try await Transaction.run(client, logger: logger) { connection in
            guard let current = try await Self.fetchManaged(id, scope: scope, lock: true, on: connection, logger: logger) else {
                return .notFound
            }
            // Generations still stored, or counted in the usage figures (which outlive them).
            let uses = try await connection.query(
                """
                SELECT GREATEST((SELECT count(*) FROM generations WHERE model_id = \(id)),
                                (SELECT COALESCE(sum(requests), 0) FROM usage_daily WHERE model_id = \(id)))::int
                """,
                logger: logger
            ).collect().first!.decode(Int.self)
            if uses > 0 { return .inUse(generations: uses) }
            try await connection.query("DELETE FROM models WHERE id = \(id)", logger: logger)
            var audit = audit
            audit.tenantID = current.tenantID
            audit.targetType = "model"
            audit.targetID = id.uuidString.lowercased()
            audit.detailsJSON = AuditDetails.json(["name": current.name, "apiModel": current.apiModel])
            try await audit.insert(on: connection, logger: logger)
            return .deleted
        }
    }

    /// Where calls for a config go: its base URL and decrypted token (nil: the platform default).
    public struct Route: Sendable {
        public var baseURL: String?
        public var token: String?
    }

    public func route(_ id: UUID) async throws -> Route? {
        let rows = try await client.query("SELECT base_url, token_ciphertext FROM models WHERE id = \(id)", logger: logger)
        guard let row = try await rows.collect().first else { return nil }
        let (baseURL, ciphertext) = try row.decode((String?, ByteBuffer?).self)
        let token = try ciphertext.map { try box.open(Data(buffer: $0), boundTo: id) }
        return Route(baseURL: baseURL, token: token)
    }

    /// Re-encrypts every stored token from `old` to `new` in one transaction; returns how many.
    public static func reencryptTokens(client: PostgresClient, from old: SecretBox, to new: SecretBox, logger: Logger) async throws -> Int {
        try await Transaction.run(client, logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT id, token_ciphertext FROM models WHERE token_ciphertext IS NOT NULL FOR UPDATE",
                logger: logger
            ).collect()
            for row in rows {
                let (id, ciphertext) = try row.decode((UUID, ByteBuffer).self)
                let token = try old.open(Data(buffer: ciphertext), boundTo: id)
                let sealed = try new.seal(token, boundTo: id)
                try await connection.query("UPDATE models SET token_ciphertext = \(ByteBuffer(data: sealed)) WHERE id = \(id)", logger: logger)
            }
            return rows.count
        }
    }
}
