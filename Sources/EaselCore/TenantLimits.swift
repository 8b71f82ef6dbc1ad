import Foundation

/// What a tenant may use, granted by the platform admin (retention is also the tenant
/// admins' to set). nil: no limit, or for the per-minute rates the server's default.
public struct TenantLimits: Sendable, Equatable {
    public var monthlyImageQuota: Int?
    public var monthlyTokenBudget: Int?
    /// Generations running at once; more wait in the queue.
    public var maxConcurrentGenerations: Int?
    /// Generations waiting on top of the running ones; past that, requests are refused.
    public var maxQueuedGenerations: Int?
    /// Generation requests per minute per API key and per user; 0 turns the limit off.
    public var apiKeyRequestsPerMinute: Int?
    public var userRequestsPerMinute: Int?
    /// Whether blocked and image-less results count against the quotas.
    public var quotaCountsImageless: Bool
    /// Days after which images are deleted; nil keeps them.
    public var imageRetentionDays: Int?

    public init(
        monthlyImageQuota: Int? = nil,
        monthlyTokenBudget: Int? = nil,
        maxConcurrentGenerations: Int? = nil,
        maxQueuedGenerations: Int? = nil,
        apiKeyRequestsPerMinute: Int? = nil,
        userRequestsPerMinute: Int? = nil,
        quotaCountsImageless: Bool = false,
        imageRetentionDays: Int? = nil
    ) {
        self.monthlyImageQuota = monthlyImageQuota
        self.monthlyTokenBudget = monthlyTokenBudget
        self.maxConcurrentGenerations = maxConcurrentGenerations
        self.maxQueuedGenerations = maxQueuedGenerations
        self.apiKeyRequestsPerMinute = apiKeyRequestsPerMinute
        self.userRequestsPerMinute = userRequestsPerMinute
        self.quotaCountsImageless = quotaCountsImageless
        self.imageRetentionDays = imageRetentionDays
    }
}
