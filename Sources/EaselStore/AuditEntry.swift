import Foundation
import PostgresNIO

/// One row of the audit log: who did what to which row, from where.
public struct AuditEntry: Sendable {
    public var tenantID: UUID?
    public var actorUserID: UUID?
    /// The actor as a person would name them: an e-mail, or `cli` for operator commands.
    public var actor: String
    /// Dotted, lower-case: `user.create`, `model.update`.
    public var action: String
    public var targetType: String?
    public var targetID: String?
    /// JSON object text with whatever the action needs to be understood later.
    public var detailsJSON: String
    public var clientIP: String?
    public var requestID: String?

    public init(
        tenantID: UUID? = nil,
        actorUserID: UUID? = nil,
        actor: String,
        action: String,
        targetType: String? = nil,
        targetID: String? = nil,
        detailsJSON: String = "{}",
        clientIP: String? = nil,
        requestID: String? = nil
    ) {
        self.tenantID = tenantID
        self.actorUserID = actorUserID
        self.actor = actor
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.detailsJSON = detailsJSON
        self.clientIP = clientIP
        self.requestID = requestID
    }

    /// Inserts the entry on `connection`, inside the caller's transaction so the change and
    /// its record land together or not at all.
    public func insert(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO audit_log (tenant_id, actor_user_id, actor_email, action, target_type, target_id,
                                   details, client_ip, request_id)
            VALUES (\(tenantID), \(actorUserID), \(actor), \(action), \(targetType), \(targetID),
                    \(detailsJSON)::jsonb, \(clientIP)::inet, \(requestID))
            """,
            logger: logger
        )
    }
}
