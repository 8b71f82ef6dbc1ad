import EaselCore
import EaselStore
import Foundation
import HTTPTypes
import Hummingbird

/// The caller's own account: who they are, their limits, their password.
struct MeController {
    let auth: AuthService
    let users: UserStore
    let tenants: TenantStore
    let admission: AdmissionStore
    let policy: PasswordPolicy

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(use: me)
            .post("password", use: changePassword)
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        guard let user = try await users.get(principal.userID, scope: .all) else { throw AppError.notFound() }
        let tenant = try await principal.tenantID.asyncMap { try await tenants.get($0) } ?? nil
        let csrf = context.identity?.sessionToken.map { SecureToken.csrfToken(forSession: $0, key: auth.csrfKey) }
        var usage: MonthlyUsageView? = nil
        if let tenant {
            let month = try await admission.monthlyUsage(tenantID: tenant.id, userID: user.id)
            let ownLimit = month.userLimit
            usage = MonthlyUsageView(
                monthlyImages: month.images,
                monthlyTokens: month.tokens,
                imagesLeft: tenant.limits.monthlyImageQuota.map { max(0, $0 - month.images) },
                tokensLeft: tenant.limits.monthlyTokenBudget.map { max(0, $0 - month.tokens) },
                userImageLimit: ownLimit,
                userImagesLeft: ownLimit.map { max(0, $0 - month.userImages) },
                resetsAt: month.resetsAt
            )
        }
        let view = MeView(
            user: UserView(user),
            tenant: tenant.map(TenantView.init),
            role: user.role,
            limits: tenant.map { TenantView($0).limits },
            usage: usage,
            csrfToken: csrf,
            authenticatedBy: csrf == nil ? "api_key" : "session"
        )
        var response = try context.responseEncoder.encode(view, from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    struct ChangePasswordBody: Decodable {
        var currentPassword: String
        var newPassword: String
    }

    /// Changes the caller's password and ends their other sessions.
    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let principal = try context.requirePrincipal()
        let body = try await request.decodeJSON(as: ChangePasswordBody.self, context: context)
        guard let user = try await users.get(principal.userID, scope: .all), let current = user.passwordHash,
            try await auth.hasher.verify(body.currentPassword, hash: current)
        else {
            throw AppError(.badRequest, code: "invalid_field", message: "currentPassword is not right.")
        }
        try policy.validate(body.newPassword)
        guard body.newPassword != body.currentPassword else {
            throw AppError(.badRequest, code: "invalid_field", message: "newPassword must differ from the current one.")
        }
        let hash = try await auth.hasher.hash(body.newPassword)
        var keep: UUID? = nil
        if case .session(let id) = principal.credential { keep = id }
        try await users.setPassword(principal.userID, hash: hash, keepSession: keep, audit: context.audit("user.change_password"))
        return .noContent
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
