import EaselCore
import Foundation
import Logging
import PostgresNIO

/// A price: dollars per million tokens of one kind for one upstream model and service tier, from
/// a date on.
public struct PriceRecord: Sendable, Equatable {
    public var id: UUID
    public var apiModel: String
    public var kind: String
    /// `standard`, `flex` or `priority`.
    public var serviceTier: String
    public var usdPerMillionTokens: Double
    public var effectiveFrom: String
}
