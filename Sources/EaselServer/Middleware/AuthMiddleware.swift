import EaselCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Works out who is calling: an API key (`Authorization: Bearer esl_...`) or a session cookie.
///
/// It never refuses an anonymous request itself (routes decide with `requirePrincipal()`), but
/// it does refuse a bad API key, and a cookie-authenticated request that changes state without
/// the session's `X-CSRF-Token`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let auth: AuthService
    let trustForwardedFor: Bool
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    /// Routes that do not act on the caller's session, so need no CSRF token.
    static let csrfExempt: Set<String> = ["/api/v1/auth/login", "/api/v1/auth/set-password"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if trustForwardedFor, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!],
            let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
            (try? SocketAddress(ipAddress: last, port: 0)) != nil
        {
            context.clientIP = last
        }
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw AppError(.unauthorized, code: "invalid_authorization", message: "The Authorization header must be `Bearer <api key>`.")
            }
            context.identity = try await auth.identity(apiKey: String(parts[1]).trimmingWhitespace())
        } else if let token = request.cookies[AuthService.cookieName]?.value, !token.isEmpty {
            if let identity = try await auth.identity(sessionToken: token) {
                if Self.changesState(request.method), !Self.csrfExempt.contains(request.uri.path) {
                    let expected = SecureToken.csrfToken(forSession: token, key: auth.csrfKey)
                    guard let given = request.headers[Self.csrfHeader], SecureToken.constantTimeEquals(given, expected) else {
                        throw AppError(
                            .forbidden,
                            code: "csrf_failed",
                            message: "This request needs the X-CSRF-Token header your log-in returned (GET /api/v1/me returns it again)."
                        )
                    }
                }
                context.identity = identity
            } else {
                context.sessionEnded = true
            }
        }
        return try await next(request, context)
    }

    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        ![.get, .head, .options].contains(method)
    }
}
