import EaselCore
import Foundation
import Logging
import PostgresNIO

/// Reads the audit log, newest first.
public struct AuditStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Records an action that changes no other row.
    public func record(_ entry: AuditEntry) async throws {
        try await client.withConnection { connection in try await entry.insert(on: connection, logger: logger) }
    }

    public func list(tenantID: UUID?, limit: Int, before cursor: Cursor?) async throws -> Page<AuditRecord> {
        let beforeID = cursor.flatMap { Int64($0.id) }
        let rows = try await client.query(
            """
            SELECT id, tenant_id, actor_user_id, actor_email, action, target_type, target_id, details::text,
                   host(client_ip), request_id, created_at
            FROM audit_log
            WHERE (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
              AND (\(beforeID)::bigint IS NULL OR id < \(beforeID))
            ORDER BY id DESC LIMIT \(limit + 1)
            """,
            logger: logger
        )
        var records: [AuditRecord] = []
        for try await (id, tenant, actorID, actor, action, targetType, targetID, details, ip, requestID, created) in rows.decode(
            (Int64, UUID?, UUID?, String?, String, String?, String?, String, String?, String?, Date).self
        ) {
            records.append(
                AuditRecord(
                    id: id,
                    entry: AuditEntry(
                        tenantID: tenant,
                        actorUserID: actorID,
                        actor: actor ?? "",
                        action: action,
                        targetType: targetType,
                        targetID: targetID,
                        detailsJSON: details,
                        clientIP: ip,
                        requestID: requestID
                    ),
                    createdAt: created
                )
            )
        }
        let more = records.count > limit
        let items = Array(records.prefix(limit))
        return Page(items: items, nextCursor: more ? items.last.map { Cursor(micros: 0, id: String($0.id)).encoded } : nil)
    }
}
