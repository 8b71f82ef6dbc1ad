import EaselCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// API keys, found by the SHA-256 of the key.
public struct APIKeyStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns = "id, tenant_id, user_id, name, prefix, expires_at, last_used_at, revoked_at, created_at"

    static func record(_ row: PostgresRow) throws -> APIKeyRecord {
        let (id, tenantID, userID, name, prefix, expires, lastUsed, revoked, created) = try row.decode(
            (UUID, UUID, UUID, String, String, Date?, Date?, Date?, Date).self
        )
        return APIKeyRecord(
            id: id,
            tenantID: tenantID,
            userID: userID,
            name: name,
            prefix: prefix,
            expiresAt: expires,
            lastUsedAt: lastUsed,
            revokedAt: revoked,
            createdAt: created
        )
    }

    public func create(
        tenantID: UUID,
        userID: UUID,
        name: String,
        prefix: String,
        keyHash: [UInt8],
        expiresAt: Date?,
        audit: AuditEntry
    ) async throws -> APIKeyRecord {
        try await Transaction.run(client, logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO api_keys (tenant_id, user_id, name, prefix, key_hash, expires_at)
                VALUES (\(tenantID), \(userID), \(name), \(prefix), \(ByteBuffer(bytes: keyHash)), \(expiresAt))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            let record = try Self.record(try await rows.collect().first!)
            var audit = audit
            audit.tenantID = tenantID
            audit.targetType = "api_key"
            audit.targetID = record.id.uuidString.lowercased()
            audit.detailsJSON = AuditDetails.json(["name": name, "prefix": prefix])
            try await audit.insert(on: connection, logger: logger)
            return record
        }
    }

    /// A user's keys, newest first, revoked ones included (so the console can show them).
    public func list(userID: UUID, tenantID: UUID) async throws -> [APIKeyRecord] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM api_keys WHERE tenant_id = \(tenantID) AND user_id = \(userID)
            ORDER BY created_at DESC, id DESC LIMIT 200
            """,
            logger: logger
        )
        return try await rows.collect().map(Self.record)
    }

    /// Revokes one of the user's own keys; false when there is no such key of theirs.
    public func revoke(_ id: UUID, userID: UUID, tenantID: UUID, audit: AuditEntry) async throws -> Bool {
        try await Transaction.run(client, logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now())
                WHERE id = \(id) AND user_id = \(userID) AND tenant_id = \(tenantID) RETURNING prefix
                """,
                logger: logger
            )
            guard let prefix = try await rows.collect().first?.decode(String.self) else { return false }
            var audit = audit
            audit.tenantID = tenantID
            audit.targetType = "api_key"
            audit.targetID = id.uuidString.lowercased()
            audit.detailsJSON = AuditDetails.json(["prefix": prefix])
            try await audit.insert(on: connection, logger: logger)
            return true
        }
    }

    /// A live key with its user and tenant state.
    public struct Resolved: Sendable {
        public var key: APIKeyRecord
        public var user: UserRecord
        public var tenantStatus: TenantRecord.Status
    }

    /// The key whose hash is `keyHash`, whatever its state; the caller decides what a revoked or
    /// expired key means, so it can say so precisely.
    public func resolve(keyHash: [UInt8]) async throws -> Resolved? {
        let rows = try await client.query(
            """
            SELECT k.id, k.tenant_id, k.user_id, k.name, k.prefix, k.expires_at, k.last_used_at, k.revoked_at, k.created_at,
                   t.status, \(unescaped: UserStore.columns(alias: "u"))
            FROM api_keys k JOIN users u ON u.id = k.user_id JOIN tenants t ON t.id = k.tenant_id
            WHERE k.key_hash = \(ByteBuffer(bytes: keyHash))
            """,
            logger: logger
        )
        guard let row = try await rows.collect().first else { return nil }
        let columns = row.makeRandomAccess()
        let key = APIKeyRecord(
            id: try columns[0].decode(UUID.self),
            tenantID: try columns[1].decode(UUID.self),
            userID: try columns[2].decode(UUID.self),
            name: try columns[3].decode(String.self),
            prefix: try columns[4].decode(String.self),
            expiresAt: try columns[5].decode(Date?.self),
            lastUsedAt: try columns[6].decode(Date?.self),
            revokedAt: try columns[7].decode(Date?.self),
            createdAt: try columns[8].decode(Date.self)
        )
        return Resolved(
            key: key,
            user: try UserStore.record(columns, offset: 10),
            tenantStatus: TenantRecord.Status(rawValue: try columns[9].decode(String.self)) ?? .suspended
        )
    }

    /// Records use, at most once a minute per key, so busy keys do not write on every request.
    public func markUsed(_ id: UUID) async throws {
        try await client.query(
            """
            UPDATE api_keys SET last_used_at = now()
            WHERE id = \(id) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            """,
            logger: logger
        )
    }
}
