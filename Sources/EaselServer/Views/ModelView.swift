import EaselCore
import EaselStore
import Foundation
import Hummingbird

/// A model config as the API shows it: what every user of it sees, and for the admins who
/// manage it, how it reaches Google (never the token itself: only whether one is set and its
/// last four characters).
struct ModelView: ResponseEncodable {
    var record: ModelRecord
    var admin: Bool
    /// The lifecycle notice (deprecated, retired, redirected), if any.
    var notice: String?

    /// The fields every user sees.
    struct Shown: Encodable {
        var id: UUID
        @NullEncoded var tenantId: UUID?
        var scope: String
        var name: String
        var apiModel: String
        var description: String
        var groupName: String
        var sortOrder: Int
        var enabled: Bool
        var capabilities: ModelCapabilities
        @NullEncoded var deprecationDate: String?
        @NullEncoded var successorId: UUID?
        @NullEncoded var notice: String?
    }

    /// The fields only the model's admins see.
    struct AdminShown: Encodable {
        var systemInstruction: String
        @NullEncoded var baseUrl: String?
        var hasToken: Bool
        @NullEncoded var tokenHint: String?
        var visibleToAll: Bool
        var tenantIds: [UUID]
        var createdAt: Date
        var updatedAt: Date
    }

    func encode(to encoder: any Encoder) throws {
        // Both write into the same JSON object.
        try Shown(
            id: record.id,
            tenantId: record.tenantID,
            scope: record.tenantID == nil ? "platform" : "tenant",
            name: record.name,
            apiModel: record.apiModel,
            description: record.description,
            groupName: record.groupName,
            sortOrder: record.sortOrder,
            enabled: record.enabled,
            capabilities: record.capabilities,
            deprecationDate: record.deprecationDate,
            successorId: record.successorID,
            notice: notice
        ).encode(to: encoder)
        guard admin else { return }
        try AdminShown(
            systemInstruction: record.systemInstruction,
            baseUrl: record.baseURL,
            hasToken: record.tokenHint != nil,
            tokenHint: record.tokenHint,
            visibleToAll: record.visibleToAll,
            tenantIds: record.tenantIDs,
            createdAt: record.createdAt,
            updatedAt: record.updatedAt
        ).encode(to: encoder)
    }
}

/// A group of models, in the order users see them.
struct ModelGroupView: Encodable, Sendable {
    var name: String
    var models: [ModelView]
}

/// `GET /api/v1/models`: every model, and the same models grouped.
struct ModelListView: ResponseEncodable {
    var items: [ModelView]
    var groups: [ModelGroupView]
}
