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
        name: String,
        apiModel: String,
        description: String = "",
        systemInstruction: String = "",
        groupName: String = "",
        sortOrder: Int = 0,
        baseURL: String? = nil,
        enabled: Bool = true,
        capabilities: ModelCapabilities,
        deprecationDate: String? = nil,
        successorID: UUID? = nil,
        visibleToAll: Bool = true,
        tenantIDs: [UUID] = []
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
