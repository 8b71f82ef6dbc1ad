import EaselStore
import Foundation

/// The tenant's monthly limits (images and tokens), checked before any upstream call.
///
/// The check reads the month's totals and compares; two requests racing at the boundary can
/// both pass (issue 7 makes this exact under concurrent writes).
struct QuotaGuard: Sendable {
    let tenants: TenantStore
    let generations: GenerationStore

    struct Refusal: Error, Sendable {
        var message: String
        var resetsAt: Date

        var retryAfterSeconds: Int { max(1, Int(resetsAt.timeIntervalSinceNow.rounded(.up))) }
    }

    /// Nil when the tenant may generate; otherwise which limit is used up and when it resets.
    func check(tenantID: UUID) async throws -> Refusal? {
        guard let tenant = try await tenants.get(tenantID),
            tenant.monthlyImageQuota != nil || tenant.monthlyTokenBudget != nil
        else { return nil }
        let usage = try await generations.monthlyUsage(tenantID: tenantID)
        let resets = usage.resetsAt.formatted(.iso8601)
        if let quota = tenant.monthlyImageQuota, usage.images >= quota {
            return Refusal(
                message: "\(tenant.name) has used its monthly image quota (\(usage.images) of \(quota) images this calendar month, UTC); it resets at \(resets).",
                resetsAt: usage.resetsAt)
        }
        if let budget = tenant.monthlyTokenBudget, usage.tokens >= budget {
            return Refusal(
                message: "\(tenant.name) has used its monthly token budget (\(usage.tokens) of \(budget) tokens this calendar month, UTC); it resets at \(resets).",
                resetsAt: usage.resetsAt)
        }
        return nil
    }
}
