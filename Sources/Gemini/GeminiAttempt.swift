import Foundation

/// One HTTP attempt of a call, for history: where it went, how it ended, how long it took.
public struct GeminiAttempt: Sendable, Hashable {
    public var number: Int
    public var host: String
    /// The HTTP status, when a response head arrived.
    public var statusCode: Int?
    public var latency: Duration
    /// Why the attempt failed; nil when it succeeded.
    public var failure: String?
    /// The server's `Retry-After`, when it sent one.
    public var retryAfter: Duration?

    public var succeeded: Bool { failure == nil }
}
