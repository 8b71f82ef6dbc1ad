import EaselCore
import EaselStore
import Foundation

/// Generation requests per minute, per API key and per user, counted in PostgreSQL so the
/// limits hold across instances. A limit of 0 turns it off.
struct RateLimiter: Sendable {
    let store: RateLimitStore
    let perUser: Int
    let perAPIKey: Int

    struct Refusal: Error, Sendable {
        var message: String
        var retryAfterSeconds: Int
    }

    /// Counts this request against the caller's key and user, at the tenant's own limits where
    /// it has them and the server's otherwise; the first limit exceeded refuses it.
    func check(_ principal: Principal) async throws -> Refusal? {
        var apiKeyID: UUID? = nil
        if case .apiKey(let id) = principal.credential { apiKeyID = id }
        let decisions = try await store.hit(
            tenantID: principal.tenantID,
            apiKeyID: apiKeyID,
            userID: principal.userID,
            defaultPerAPIKey: perAPIKey,
            defaultPerUser: perUser
        )
        guard let refused = decisions.first(where: { !$0.allowed }) else { return nil }
        let what = refused.scope == .apiKey ? "an API key" : "a user"
        return Refusal(
            message: "Too many generation requests: \(what) may send \(refused.limit) per minute. Try again in \(refused.retryAfterSeconds) s.",
            retryAfterSeconds: refused.retryAfterSeconds
        )
    }
}
