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
        // The schema holds it too (a CHECK on users): only platform admins have no tenant.
        precondition(tenantID != nil || role == .platformAdmin, "a tenant user without a tenant")
    }

    /// Which tenants' rows this principal may read: one, or (platform admins) all.
    public var scope: TenantScope {
        guard role != .platformAdmin, let tenantID else { return .all }
        return .tenant(tenantID)
    }
}
