import EaselCore
import EaselStore
import Foundation

/// A tenant's limits as the API shows them: every field always present, null for none (or,
/// for the per-minute rates, the server's default).
struct LimitsView: Encodable, Sendable {
    @NullEncoded var monthlyImageQuota: Int?
    @NullEncoded var monthlyTokenBudget: Int?
    @NullEncoded var maxConcurrentGenerations: Int?
    @NullEncoded var maxQueuedGenerations: Int?
    @NullEncoded var apiKeyRequestsPerMinute: Int?
    @NullEncoded var userRequestsPerMinute: Int?
    var quotaCountsImagelessResults: Bool
    @NullEncoded var imageRetentionDays: Int?

    init(_ limits: TenantLimits) {
        monthlyImageQuota = limits.monthlyImageQuota
        monthlyTokenBudget = limits.monthlyTokenBudget
        maxConcurrentGenerations = limits.maxConcurrentGenerations
        maxQueuedGenerations = limits.maxQueuedGenerations
        apiKeyRequestsPerMinute = limits.apiKeyRequestsPerMinute
        userRequestsPerMinute = limits.userRequestsPerMinute
        quotaCountsImagelessResults = limits.quotaCountsImageless
        imageRetentionDays = limits.imageRetentionDays
    }
}
