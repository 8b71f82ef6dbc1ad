import EaselStore
import Foundation

/// How a used-up limit is told to callers. The check itself runs inside the enqueue
/// transaction (`GenerationStore.checkAdmission`), before any upstream call.
enum QuotaMessage {
    static func text(_ refusal: AdmissionStore.QuotaRefusal) -> String {
        let resets = refusal.resetsAt.formatted(.iso8601)
        if refusal.requested > 1, refusal.used < refusal.allowed, refusal.limit == .images || refusal.limit == .userImages {
            let whose = refusal.limit == .images ? "\(refusal.tenantName) has" : "You have"
            return
                "\(whose) \(refusal.allowed - refusal.used) of \(refusal.allowed) monthly images left; \(refusal.requested) variations do not fit. Ask for fewer; the quota resets at \(resets)."
        }
        switch refusal.limit {
        case .images:
            return
                "\(refusal.tenantName) has used its monthly image quota (\(refusal.used) of \(refusal.allowed) images this calendar month, UTC, counting generations still running); it resets at \(resets)."
        case .userImages:
            return
                "You have used your monthly image limit (\(refusal.used) of \(refusal.allowed) images this calendar month, UTC, set by \(refusal.tenantName)'s admins); it resets at \(resets)."
        case .tokens:
            return
                "\(refusal.tenantName) has used its monthly token budget (\(refusal.used) of \(refusal.allowed) tokens this calendar month, UTC); it resets at \(resets)."
        case .inFlight:
            return "\(refusal.tenantName) already has \(refusal.used) generations running or waiting, as many as it may; try again when one finishes."
        }
    }

    /// The API's error code: the in-flight limit is not a monthly quota.
    static func code(_ refusal: AdmissionStore.QuotaRefusal) -> String {
        refusal.limit == .inFlight ? "concurrency_limit_exceeded" : "quota_exceeded"
    }

    static func retryAfterSeconds(_ refusal: AdmissionStore.QuotaRefusal) -> Int {
        max(1, Int(refusal.resetsAt.timeIntervalSinceNow.rounded(.up)))
    }
}
