import EaselCore
import Foundation
import Hummingbird

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
