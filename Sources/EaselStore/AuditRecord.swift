import EaselCore
import Foundation

/// A row of the audit log.
public struct AuditRecord: Sendable, Equatable {
    public var id: Int64
    public var tenantID: UUID?
    public var actorUserID: UUID?
    public var actor: String?
    public var action: String
    public var targetType: String?
    public var targetID: String?
    public var detailsJSON: String
    public var clientIP: String?
    public var requestID: String?
    public var createdAt: Date
}
