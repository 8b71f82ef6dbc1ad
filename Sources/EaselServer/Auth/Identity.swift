import EaselCore
import EaselStore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// An authenticated caller and how they proved it.
public struct Identity: Sendable {
    public var principal: Principal
    /// The session's cookie token, when authenticated by cookie (the CSRF token derives from it).
    public var sessionToken: String?
}
