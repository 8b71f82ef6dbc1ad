/// What a user may do. Platform admins belong to no tenant; everyone else belongs to exactly one.
public enum Role: String, Codable, Sendable, CaseIterable {
    case platformAdmin = "platform_admin"
    case owner
    case admin
    case member

    /// Whether this role manages its tenant's users, keys and private models.
    public var isTenantAdmin: Bool { self == .owner || self == .admin }

    /// Whether a user with this role belongs to a tenant.
    public var belongsToTenant: Bool { self != .platformAdmin }
}
