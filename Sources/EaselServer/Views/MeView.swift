import EaselCore
import Foundation
import Hummingbird

/// The caller as `GET /api/v1/me` shows them.
struct MeView: ResponseEncodable {
    var user: UserView
    @NullEncoded var tenant: TenantView?
    var role: Role
    @NullEncoded var limits: LimitsView?
    /// This calendar month's use against the tenant's limits, counted as the quota check counts.
    @NullEncoded var usage: MonthlyUsageView?
    /// Present for cookie sessions: the token state-changing requests must send as X-CSRF-Token.
    @NullEncoded var csrfToken: String?
    var authenticatedBy: String
}

/// A tenant's and a user's use of this calendar month, against their limits (null: no limit).
struct MonthlyUsageView: Encodable, Sendable {
    var monthlyImages: Int
    var monthlyTokens: Int
    @NullEncoded var imagesLeft: Int?
    @NullEncoded var tokensLeft: Int?
    /// The caller's own limit, when their admins set one, and what is left of it.
    @NullEncoded var userImageLimit: Int?
    @NullEncoded var userImagesLeft: Int?
    var resetsAt: Date
}
