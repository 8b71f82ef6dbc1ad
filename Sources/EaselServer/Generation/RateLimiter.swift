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

    /// Counts this request against the caller's key and user (one statement for both), at the
    /// tenant's own limits where it has them and the server's otherwise; the first limit
    /// exceeded refuses it.
    func check(_ principal: Principal) async throws -> Refusal? {
        var (perAPIKey, perUser) = (self.perAPIKey, self.perUser)
        if let tenantID = principal.tenantID {
            let own = try await store.tenantRates(tenantID)
            perAPIKey = own.apiKey ?? perAPIKey
            perUser = own.user ?? perUser
        }
        var limits: [(scope: String, limit: Int, what: String)] = []
        if case .apiKey(let id) = principal.credential, perAPIKey > 0 {
            limits.append(("key:\(id.uuidString.lowercased())", perAPIKey, "an API key"))
        }
        if perUser > 0 {
            limits.append(("user:\(principal.userID.uuidString.lowercased())", perUser, "a user"))
        }
        let decisions = try await store.hit(limits.map { ($0.scope, $0.limit) })
        for (limit, decision) in zip(limits, decisions) where !decision.allowed {
            return Refusal(
                message: "Too many generation requests: \(limit.what) may send \(limit.limit) per minute. Try again in \(decision.retryAfterSeconds) s.",
                retryAfterSeconds: decision.retryAfterSeconds)
        }
        return nil
    }
}
