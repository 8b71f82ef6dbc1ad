import Foundation

/// The fields of a model config as an admin edits them, typed once: the store reads and writes
/// them, the API's body changes them and its view shows them.
public struct ModelFields: Sendable, Equatable {
    public var name: String
    public var apiModel: String
    public var description: String
    public var systemInstruction: String
    public var groupName: String
    public var sortOrder: Int
    public var baseURL: String?
    public var enabled: Bool
    public var capabilities: ModelCapabilities
    public var deprecationDate: String?
    public var successorID: UUID?
    public var visibleToAll: Bool
    public var tenantIDs: [UUID]

    public init(
        name: String, apiModel: String, description: String = "", systemInstruction: String = "", groupName: String = "",
        sortOrder: Int = 0, baseURL: String? = nil, enabled: Bool = true, capabilities: ModelCapabilities,
        deprecationDate: String? = nil, successorID: UUID? = nil, visibleToAll: Bool = true, tenantIDs: [UUID] = []
    ) {
        self.name = name
        self.apiModel = apiModel
        self.description = description
        self.systemInstruction = systemInstruction
        self.groupName = groupName
        self.sortOrder = sortOrder
        self.baseURL = baseURL
        self.enabled = enabled
        self.capabilities = capabilities
        self.deprecationDate = deprecationDate
        self.successorID = successorID
        self.visibleToAll = visibleToAll
        self.tenantIDs = tenantIDs
    }
}

/// A model config as stored. The token is never loaded with it, only whether there is one and
/// its last four characters (the store opens the token for an upstream call only).
@dynamicMemberLookup
public struct ModelRecord: Sendable, Equatable {
    public var id: UUID
    /// nil: platform-wide.
    public var tenantID: UUID?
    public var fields: ModelFields
    public var tokenHint: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, tenantID: UUID?, fields: ModelFields, tokenHint: String?, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.fields = fields
        self.tokenHint = tokenHint
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// `record.name` for `record.fields.name`, and so on.
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<ModelFields, Value>) -> Value {
        get { fields[keyPath: keyPath] }
        set { fields[keyPath: keyPath] = newValue }
    }
}
