import Foundation

/// The tenants a query may touch. Repositories take one and filter by it, so a route that
/// forgets a check still cannot return another tenant's rows.
public enum TenantScope: Sendable, Equatable {
    case all
    case tenant(UUID)

    /// The tenant id to filter by, or nil for all tenants.
    public var tenantID: UUID? {
        if case .tenant(let id) = self { return id }
        return nil
    }

    /// Whether a row of `tenantID` is visible in this scope.
    public func contains(_ tenantID: UUID?) -> Bool {
        switch self {
        case .all: return true
        case .tenant(let id): return tenantID == id
        }
    }
}
