import EaselStore
import Foundation
import Gemini
import Hummingbird

/// An audit log entry as the API shows it.
struct AuditView: ResponseEncodable {
    var id: Int64
    @NullEncoded var tenantId: UUID?
    @NullEncoded var actorUserId: UUID?
    @NullEncoded var actor: String?
    var action: String
    @NullEncoded var targetType: String?
    @NullEncoded var targetId: String?
    var details: JSONObject
    @NullEncoded var clientIp: String?
    @NullEncoded var requestId: String?
    var createdAt: Date

    init(_ record: AuditRecord) {
        id = record.id
        tenantId = record.tenantID
        actorUserId = record.actorUserID
        actor = record.actor.isEmpty ? nil : record.actor
        action = record.action
        targetType = record.targetType
        targetId = record.targetID
        details = JSONObject(json: record.detailsJSON)
        clientIp = record.clientIP
        requestId = record.requestID
        createdAt = record.createdAt
    }
}
