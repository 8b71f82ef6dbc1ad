import Foundation

/// Who is making a request, once authenticated: a user, by session cookie or by API key.
public struct Principal: Sendable, Equatable {
    public enum Credential: Sendable, Equatable {
        case session(id: UUID)
        case apiKey(id: UUID)
    }

    public let userID: UUID
    /// nil for platform admins only.
    public let tenantID: UUID?
    public let role: Role
    public let email: String
    public let credential: Credential

    public init(userID: UUID, tenantID: UUID?, role: Role, email: String, credential: Credential) {
        self.userID = userID
        self.tenantID = tenantID
        self.role = role
        self.email = email
        self.credential = credential
    }

    /// Which tenants' rows this principal may read: one, or (platform admins) all.
    public var scope: TenantScope {
        role == .platformAdmin ? .all : .tenant(tenantID!)
    }
}

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
