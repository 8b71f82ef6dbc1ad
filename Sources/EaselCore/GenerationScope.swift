import Foundation

/// Which generations a caller sees: their own (members), their tenant's (admins), all (platform).
public struct GenerationScope: Sendable, Equatable {
    public var tenantID: UUID?
    public var userID: UUID?

    public init(tenantID: UUID?, userID: UUID?) {
        self.tenantID = tenantID
        self.userID = userID
    }
}
