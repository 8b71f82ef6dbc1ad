import Foundation

/// When and how long to wait before trying a failed call again.
///
/// Only answers that say "try later" (429, 500, 503, 504) and connection failures are retried;
/// a 400, 401, 403 or 404 will fail the same way every time. Waits grow exponentially with
/// jitter, a server's `Retry-After` is honoured, and the call's deadline bounds everything.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var multiplier: Double
    /// Each wait is the backoff times a random factor in `(1 - jitter)...1`.
    public var jitter: Double
    public var retryableStatusCodes: Set<Int>

    public init(
        maxAttempts: Int = 4,
        initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(20),
        multiplier: Double = 2,
        jitter: Double = 0.5,
        retryableStatusCodes: Set<Int> = [429, 500, 503, 504]
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
        self.jitter = min(max(jitter, 0), 1)
        self.retryableStatusCodes = retryableStatusCodes
    }

    public static let `default` = RetryPolicy()
    /// One attempt, no retries.
    public static let never = RetryPolicy(maxAttempts: 1)

    /// The wait after failed attempt number `attempt` (1-based), before honouring `Retry-After`.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let base = min(initialBackoff.seconds * pow(multiplier, exponent), maxBackoff.seconds)
        let factor = jitter == 0 ? 1 : Double.random(in: (1 - jitter)...1)
        return .seconds(base * factor)
    }

    /// The wait after a failed attempt: the backoff, or the server's `Retry-After` if longer.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        let backoff = backoff(afterAttempt: attempt)
        guard let retryAfter else { return backoff }
        return max(backoff, retryAfter)
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
