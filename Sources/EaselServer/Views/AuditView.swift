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
        actor = record.actor
        action = record.action
        targetType = record.targetType
        targetId = record.targetID
        details = JSONObject(json: record.detailsJSON)
        clientIp = record.clientIP
        requestId = record.requestID
        createdAt = record.createdAt
    }
}

/// A JSON object passed through as it is stored.
struct JSONObject: Encodable, Sendable {
    let json: String
    func encode(to encoder: any Encoder) throws {
        let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))) ?? .object([:])
        try value.encode(to: encoder)
    }
}
