import EaselCore
import EaselStore
import Foundation
import HTTPTypes
import Hummingbird

/// A tenant's users, for its owners and admins (and platform admins, for any tenant).
struct UserController {
    let users: UserStore
    let tenants: TenantStore
    let passwordTokens: PasswordTokenStore
    let hasher: PasswordHasher
    let policy: PasswordPolicy
    let publicURL: String
    let admission: AdmissionStore
    static let linkLifetime: Duration = .seconds(7 * 24 * 3600)

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(use: list)
            .post(use: create)
            .get(":id", use: get)
            .patch(":id", use: update)
            .post(":id/reset-password", use: resetPassword)
            .get("limits", use: limits)
            .put(":id/limits", use: setLimit)
    }

    struct LimitsList: ResponseEncodable {
        /// User id → monthly image limit, for the users that have one.
        var monthlyImageLimits: [String: Int]
    }

    /// The per-user monthly image limits of a tenant (`?tenantId=` for platform admins).
    @Sendable func limits(_ request: Request, context: AppRequestContext) async throws -> LimitsList {
        let principal = try context.requirePrincipal()
        guard let tenantID = try principal.tenantID ?? request.uuidQuery("tenantId") else {
            throw AppError.validation(ValidationError(field: "tenantId", message: "is required for platform admins"))
        }
        try Policy.authorize(.manageUsers(tenantID: tenantID), for: principal)
        let limits = try await admission.userLimits(tenantID: tenantID)
        return LimitsList(monthlyImageLimits: Dictionary(uniqueKeysWithValues: limits.map { ($0.key.uuidString.lowercased(), $0.value) }))
    }

    struct LimitBody: Decodable {
        var monthlyImageLimit: Int?
    }

    struct LimitView: ResponseEncodable {
        var userId: UUID
        @NullEncoded var monthlyImageLimit: Int?
        var monthlyImages: Int
    }

    /// Sets a user's own monthly image limit (null removes it), within the tenant's quota.
    @Sendable func setLimit(_ request: Request, context: AppRequestContext) async throws -> LimitView {
        let principal = try context.requirePrincipal()
        let (user, tenantID) = try await visibleTenantUser(request, context: context, principal: principal)
        try Policy.authorize(.manageUsers(tenantID: tenantID), for: principal)
        let body = try await request.decodeJSON(as: LimitBody.self, context: context)
        if let limit = try TenantRules.limit(body.monthlyImageLimit, field: "monthlyImageLimit", in: 0...10_000_000, none: "for none") {
            if let quota = try await tenants.get(tenantID)?.limits.monthlyImageQuota, limit > quota {
                throw AppError.validation(
                    ValidationError(field: "monthlyImageLimit", message: "must be within the tenant's quota of \(quota) images a month")
                )
            }
        }
        var audit = context.audit("user.set_limit")
        audit.tenantID = tenantID
        audit.targetType = "user"
        audit.targetID = user.id.uuidString.lowercased()
        audit.detailsJSON = AuditDetails.change(before: [:], after: ["monthlyImageLimit": body.monthlyImageLimit.map(String.init) ?? "none"])
        try await admission.setUserLimit(user.id, tenantID: tenantID, monthlyImages: body.monthlyImageLimit, audit: audit)
        let month = try await admission.monthlyUsage(tenantID: tenantID, userID: user.id)
        return LimitView(userId: user.id, monthlyImageLimit: body.monthlyImageLimit, monthlyImages: month.userImages)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> PageView<UserView> {
        let principal = try context.requirePrincipal()
        let requested = try request.uuidQuery("tenantId")
        let tenantID = principal.tenantID ?? requested
        if let tenantID {
            try Policy.authorize(.manageUsers(tenantID: tenantID), for: principal)
        } else {
            try Policy.authorize(.manageTenants, for: principal)  // every user of every tenant: platform admins only
        }
        let page = try PageRequest(request)
        let result = try await users.list(scope: principal.scope, tenantID: tenantID, limit: page.limit, after: page.cursor)
        return PageView(items: result.items.map(UserView.init), nextCursor: result.nextCursor)
    }

    struct CreateBody: Decodable {
        var email: String
        var displayName: String?
        var role: Role
        var password: String?
        var tenantId: UUID?
    }

    struct CreatedView: ResponseEncodable {
        var user: UserView
        /// For invited users: the one-time link that lets them set a password.
        var setPasswordUrl: String?
        var setPasswordExpiresAt: Date?
    }

    /// Creates a user with a password, or invites one: the answer then carries a one-time
    /// set-password link for the admin to pass on.
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<CreatedView> {
        let principal = try context.requirePrincipal()
        let body = try await request.decodeJSON(as: CreateBody.self, context: context)
        guard let tenantID = principal.tenantID ?? body.tenantId else {
            throw AppError.validation(ValidationError(field: "tenantId", message: "is required for platform admins"))
        }
        try Policy.authorize(.assignRole(body.role, tenantID: tenantID, currentRole: nil), for: principal)
        guard try await tenants.get(tenantID) != nil else { throw AppError.notFound("No tenant with that id.") }
        let email = try EmailAddress(body.email)
        let displayName = (body.displayName ?? "").trimmingWhitespace()
        guard displayName.unicodeScalars.count <= 200 else {
            throw AppError.validation(ValidationError(field: "displayName", message: "must be at most 200 characters"))
        }
        var hash: String?
        if let password = body.password {
            try policy.validate(password)
            hash = try await hasher.hash(password)
        }
        let created: UserRecord
        do {
            created = try await users.create(
                .init(tenantID: tenantID, email: email, displayName: displayName, role: body.role, passwordHash: hash),
                audit: context.audit(hash == nil ? "user.invite" : "user.create")
            )
        } catch is StoreError {
            throw AppError.conflict("A user with e-mail \(email) already exists.")
        }
        var view = CreatedView(user: UserView(created))
        if hash == nil {
            let (url, expiry) = try await issueLink(for: created.id, purpose: .invite)
            view.setPasswordUrl = url
            view.setPasswordExpiresAt = expiry
        }
        return EditedResponse(status: .created, headers: [.cacheControl: "no-store"], response: view)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> UserView {
        let principal = try context.requirePrincipal()
        let user = try await visibleUser(request, context: context, principal: principal)
        if let tenantID = user.tenantID {
            try Policy.authorize(.manageUsers(tenantID: tenantID), for: principal)
        } else {
            try Policy.authorize(.manageTenants, for: principal)
        }
        return UserView(user)
    }

    struct PatchBody: Decodable {
        var displayName: String?
        var role: Role?
        var status: UserRecord.Status?
    }

    /// Renames a user, changes their role, or disables and re-enables them. Disabling or a role
    /// change ends the user's sessions.
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> UserView {
        let principal = try context.requirePrincipal()
        let (user, tenantID) = try await visibleTenantUser(request, context: context, principal: principal)
        let body = try await request.decodeJSON(as: PatchBody.self, context: context)
        try Policy.authorize(.assignRole(body.role ?? user.role, tenantID: tenantID, currentRole: user.role), for: principal)
        if body.status == .invited {
            throw AppError.validation(ValidationError(field: "status", message: "must be active or disabled"))
        }
        if body.status == .active, user.passwordHash == nil {
            throw AppError.validation(ValidationError(field: "status", message: "cannot be active before the user has set a password"))
        }
        if user.id == principal.userID, body.status == .disabled {
            throw AppError(.conflict, code: "conflict", message: "You cannot disable your own account.")
        }
        var patch = UserStore.Patch()
        patch.displayName = body.displayName?.trimmingWhitespace()
        if let name = patch.displayName, name.unicodeScalars.count > 200 {
            throw AppError.validation(ValidationError(field: "displayName", message: "must be at most 200 characters"))
        }
        patch.role = body.role
        patch.status = body.status
        let action =
            body.status == .disabled ? "user.disable" : body.status == .active ? "user.enable" : body.role != nil ? "user.change_role" : "user.update"
        do {
            guard let (_, after) = try await users.update(user.id, scope: principal.scope, patch, audit: context.audit(action)) else {
                throw AppError.notFound("No user with that id.")
            }
            return UserView(after)
        } catch UserStore.UpdateError.lastOwner {
            throw AppError(.conflict, code: "last_owner", message: "The organisation must keep at least one active owner.")
        }
    }

    struct ResetView: ResponseEncodable {
        var setPasswordUrl: String
        var setPasswordExpiresAt: Date
    }

    /// Issues a one-time link with which the user sets a new password (earlier links stop working).
    @Sendable func resetPassword(_ request: Request, context: AppRequestContext) async throws -> ResetView {
        let principal = try context.requirePrincipal()
        let (user, tenantID) = try await visibleTenantUser(request, context: context, principal: principal)
        try Policy.authorize(.assignRole(user.role, tenantID: tenantID, currentRole: user.role), for: principal)
        var audit = context.audit("user.reset_password")
        audit.tenantID = tenantID
        audit.targetType = "user"
        audit.targetID = user.id.uuidString.lowercased()
        let (url, expiry) = try await issueLink(for: user.id, purpose: user.status == .invited ? .invite : .reset, audit: audit)
        return ResetView(setPasswordUrl: url, setPasswordExpiresAt: expiry)
    }

    /// The user named in the path and their tenant; platform admins, who have none, are managed
    /// with the `easel` command.
    func visibleTenantUser(_ request: Request, context: AppRequestContext, principal: Principal) async throws -> (UserRecord, UUID) {
        let user = try await visibleUser(request, context: context, principal: principal)
        guard let tenantID = user.tenantID else {
            throw AppError(.forbidden, code: "forbidden", message: "Platform admins have no tenant; manage them with the `easel` command.")
        }
        return (user, tenantID)
    }

    /// The user named in the path, if the caller's scope holds it; otherwise a 404, so other
    /// tenants' ids look exactly like ids that do not exist.
    func visibleUser(_ request: Request, context: AppRequestContext, principal: Principal) async throws -> UserRecord {
        let id = try request.uuidParameter("id", context: context, resource: "user")
        guard let user = try await users.get(id, scope: principal.scope) else { throw AppError.notFound("No user with that id.") }
        return user
    }

    func issueLink(for userID: UUID, purpose: PasswordTokenStore.Purpose, audit: AuditEntry? = nil) async throws -> (String, Date) {
        let token = SecureToken.make()
        try await passwordTokens.issue(
            userID: userID,
            tokenHash: SecureToken.sha256(token),
            purpose: purpose,
            lifetime: Self.linkLifetime,
            audit: audit
        )
        // The token rides in the fragment, which browsers never send to servers or in Referer headers.
        return ("\(publicURL)/set-password.html#token=\(token)", Date().addingTimeInterval(Double(Self.linkLifetime.components.seconds)))
    }
}
