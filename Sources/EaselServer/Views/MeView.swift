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
