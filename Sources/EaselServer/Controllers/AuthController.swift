import EaselCore
import EaselStore
import Foundation
import HTTPTypes
import Hummingbird

/// Log-in, log-out, and setting a password through a one-time link.
struct AuthController {
    let auth: AuthService
    let users: UserStore
    let sessions: SessionStore
    let passwordTokens: PasswordTokenStore
    let policy: PasswordPolicy
    let cookieSecure: Bool

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post("login", use: login)
            .post("logout", use: logout)
            .post("logout-all", use: logoutAll)
            .post("set-password", use: setPassword)
    }

    struct LoginBody: Decodable {
        var email: String
        var password: String
    }

    struct LoginView: ResponseEncodable {
        var user: UserView
        var csrfToken: String
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: LoginBody.self, context: context)
        let loggedIn = try await auth.login(
            email: body.email,
            password: body.password,
            clientIP: context.clientIP,
            userAgent: request.headers[.userAgent]
        )
        var response = try context.responseEncoder.encode(
            LoginView(user: UserView(loggedIn.user), csrfToken: loggedIn.csrfToken),
            from: request,
            context: context
        )
        response.setCookie(sessionCookie(loggedIn.sessionToken, maxAge: Int(auth.sessionLifetime.components.seconds)))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        if case .session(let id) = context.identity?.principal.credential {
            try await sessions.revoke(id)
        }
        var response = Response(status: .noContent)
        response.setCookie(sessionCookie("", maxAge: 0))
        return response
    }

    struct LogoutAllView: ResponseEncodable {
        var endedSessions: Int
    }

    /// Ends every session of the caller, this one included.
    @Sendable func logoutAll(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let ended = try await sessions.revokeAll(userID: principal.userID, except: nil)
        var response = try context.responseEncoder.encode(LogoutAllView(endedSessions: ended), from: request, context: context)
        if case .session = principal.credential { response.setCookie(sessionCookie("", maxAge: 0)) }
        return response
    }

    struct SetPasswordBody: Decodable {
        var token: String
        var password: String
    }

    /// Sets a password from an invitation or reset link. The token works once.
    @Sendable func setPassword(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let body = try await request.decodeJSON(as: SetPasswordBody.self, context: context)
        try policy.validate(body.password)
        guard let userID = try await passwordTokens.consume(tokenHash: SecureToken.sha256(body.token)) else {
            throw AppError(
                .badRequest,
                code: "invalid_token",
                message: "This link is not valid: it was used already, it expired, or a newer one was sent. Ask an admin for a new one."
            )
        }
        let hash = try await auth.hasher.hash(body.password)
        var audit = context.audit("user.set_password")
        audit.actorUserID = userID
        try await users.setPassword(userID, hash: hash, keepSession: nil, audit: audit)
        return .noContent
    }

    func sessionCookie(_ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: AuthService.cookieName,
            value: value,
            maxAge: maxAge,
            path: "/",
            secure: cookieSecure,
            httpOnly: true,
            sameSite: .lax
        )
    }
}
