import Foundation

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
