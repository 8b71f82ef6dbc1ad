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

    /// Counts this request against the caller's key and user; the first limit exceeded refuses it.
    func check(_ principal: Principal) async throws -> Refusal? {
        if case .apiKey(let id) = principal.credential, perAPIKey > 0 {
            let decision = try await store.hit("key:\(id.uuidString.lowercased())", limit: perAPIKey)
            if !decision.allowed {
                return Refusal(
                    message: "Too many generation requests: an API key may send \(perAPIKey) per minute. Try again in \(decision.retryAfterSeconds) s.",
                    retryAfterSeconds: decision.retryAfterSeconds)
            }
        }
        if perUser > 0 {
            let decision = try await store.hit("user:\(principal.userID.uuidString.lowercased())", limit: perUser)
            if !decision.allowed {
                return Refusal(
                    message: "Too many generation requests: a user may send \(perUser) per minute. Try again in \(decision.retryAfterSeconds) s.",
                    retryAfterSeconds: decision.retryAfterSeconds)
            }
        }
        return nil
    }
}
