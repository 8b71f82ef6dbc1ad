import Foundation

/// Every authorization rule of Easel in one place. Routes ask; the policy answers by returning
/// or throwing a ``PolicyError`` whose message says what is missing.
public enum Policy {
    public enum Action: Sendable, Equatable {
        /// List, create, rename, suspend tenants and set their limits.
        case manageTenants
        /// Read or change the users of `tenantID`.
        case manageUsers(tenantID: UUID)
        /// Read the limits of `tenantID` and set what its own admins may (image retention).
        case manageTenantSettings(tenantID: UUID)
        /// Give a user of `tenantID` the role `role`; `currentRole` is the user's role now (nil when creating).
        case assignRole(Role, tenantID: UUID, currentRole: Role?)
        /// Read the audit log of `tenantID` (nil: of the whole platform).
        case readAudit(tenantID: UUID?)
        /// Create, change or delete model configs of `tenantID` (nil: platform-wide ones).
        case manageModels(tenantID: UUID?)
        /// Read the price table.
        case readPrices
        /// Set prices.
        case setPrices
    }

    public static func authorize(_ action: Action, for principal: Principal) throws(PolicyError) {
        switch action {
        case .manageTenants:
            guard principal.role == .platformAdmin else { throw .forbidden("Only platform admins manage tenants.") }

        case .manageUsers(let tenantID):
            try requireTenantAdmin(principal, of: tenantID, doing: "manage its users")

        case .manageTenantSettings(let tenantID):
            try requireTenantAdmin(principal, of: tenantID, doing: "manage its settings")

        case .assignRole(let role, let tenantID, let currentRole):
            try requireTenantAdmin(principal, of: tenantID, doing: "manage its users")
            if role == .platformAdmin {
                throw .forbidden("Platform admins belong to no tenant; create them with `easel create-admin`.")
            }
            // Owners are made and unmade by owners (or the platform); admins manage admins and members.
            if principal.role == .admin, role == .owner || currentRole == .owner {
                throw .forbidden("Only an owner can make or change an owner.")
            }

        case .readAudit(let tenantID):
            if principal.role == .platformAdmin { return }
            guard let tenantID else { throw .forbidden("Only platform admins read the whole platform's audit log.") }
            try requireTenantAdmin(principal, of: tenantID, doing: "read its audit log")

        case .manageModels(let tenantID):
            guard let tenantID else {
                guard principal.role == .platformAdmin else {
                    throw .forbidden("Only platform admins manage platform-wide models; tenant admins manage their own.")
                }
                return
            }
            try requireTenantAdmin(principal, of: tenantID, doing: "manage its models")

        case .readPrices:
            guard principal.role != .member else { throw .forbidden("Prices are for tenant owners, admins and platform admins.") }

        case .setPrices:
            guard principal.role == .platformAdmin else { throw .forbidden("Only platform admins set prices.") }
        }
    }

    /// Whose usage figures `principal` reads when asking for `requested` (a tenant id, or nil for
    /// every tenant): platform admins read what they ask for, owners and admins their own tenant
    /// whatever they ask, members none.
    public static func usageTenant(for principal: Principal, requested: UUID?) throws(PolicyError) -> UUID? {
        switch principal.role {
        case .platformAdmin: return requested
        case .owner, .admin: return principal.tenantID
        case .member: throw .forbidden("Usage figures are for tenant owners and admins.")
        }
    }

    /// The caller's tenant, for what only a tenant's users have (`what`: "Generations",
    /// "API keys", ...); platform admins have no tenant.
    public static func tenant(of principal: Principal, for what: String) throws(PolicyError) -> UUID {
        guard let tenantID = principal.tenantID else {
            throw .forbidden("\(what) belong to a tenant's users; platform admins have no tenant.")
        }
        return tenantID
    }

    /// Whether `principal` sees which upstream host served a generation: admins do, members do
    /// not (a relay's address is the tenant's or the platform's configuration, not the user's).
    public static func seesUpstreamRoutes(_ principal: Principal) -> Bool {
        principal.role != .member
    }

    /// Which generations `principal` sees: their own (members), their tenant's (owners and
    /// admins), all of them (platform admins).
    public static func generationScope(for principal: Principal) -> GenerationScope {
        switch principal.role {
        case .platformAdmin: return GenerationScope(tenantID: nil, userID: nil)
        case .owner, .admin: return GenerationScope(tenantID: principal.tenantID, userID: nil)
        case .member: return GenerationScope(tenantID: principal.tenantID, userID: principal.userID)
        }
    }

    static func requireTenantAdmin(_ principal: Principal, of tenantID: UUID, doing what: String) throws(PolicyError) {
        if principal.role == .platformAdmin { return }
        guard principal.tenantID == tenantID else {
            // Another tenant's rows do not exist as far as this caller can tell.
            throw .notFound
        }
        guard principal.role.isTenantAdmin else {
            throw .forbidden("Only the tenant's owners and admins may \(what).")
        }
    }
}

/// A refusal: forbidden (403, with the reason) or, for another tenant's rows, not found (404).
public enum PolicyError: Error, Equatable, Sendable {
    case forbidden(String)
    case notFound
}
