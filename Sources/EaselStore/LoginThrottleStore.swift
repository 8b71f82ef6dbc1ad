import Foundation
import Logging
import PostgresNIO

/// Failed log-ins counted per account and per client address, across every instance.
public struct LoginThrottleStore: Sendable {
    public enum Kind: String, Sendable { case account, ip }

    /// How many failures within `window` lock the key for `lockout`.
    public struct Rule: Sendable {
        public var maxFailures: Int
        public var window: Duration
        public var lockout: Duration
        public init(maxFailures: Int, window: Duration, lockout: Duration) {
            self.maxFailures = maxFailures
            self.window = window
            self.lockout = lockout
        }
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// When the key is locked, until when.
    public func lockedUntil(_ kind: Kind, _ key: String) async throws -> Date? {
        let rows = try await client.query(
            "SELECT locked_until FROM login_throttle WHERE kind = \(kind.rawValue) AND key = \(key) AND locked_until > now()",
            logger: logger
        )
        return try await rows.collect().first?.decode(Date?.self)
    }

    /// Counts a failure (atomically, so concurrent attempts are all counted) and locks the key
    /// when it reaches the rule's limit. Returns the lock's end if it is now locked.
    @discardableResult
    public func recordFailure(_ kind: Kind, _ key: String, rule: Rule) async throws -> Date? {
        let window = Double(rule.window.components.seconds)
        let lockout = Double(rule.lockout.components.seconds)
        let rows = try await client.query(
            """
            INSERT INTO login_throttle AS t (kind, key, failures, window_started_at)
            VALUES (\(kind.rawValue), \(key), 1, now())
            ON CONFLICT (kind, key) DO UPDATE SET
                failures = CASE WHEN t.window_started_at < now() - make_interval(secs => \(window)) THEN 1 ELSE t.failures + 1 END,
                window_started_at = CASE WHEN t.window_started_at < now() - make_interval(secs => \(window)) THEN now() ELSE t.window_started_at END
            RETURNING failures
            """,
            logger: logger
        )
        let failures = try await rows.collect().first!.decode(Int.self)
        guard failures >= rule.maxFailures else { return nil }
        let locked = try await client.query(
            """
            UPDATE login_throttle SET locked_until = now() + make_interval(secs => \(lockout)), failures = 0, window_started_at = now()
            WHERE kind = \(kind.rawValue) AND key = \(key) RETURNING locked_until
            """,
            logger: logger
        )
        return try await locked.collect().first?.decode(Date.self)
    }

    /// Forgets an account's failures after a successful log-in.
    public func reset(_ kind: Kind, _ key: String) async throws {
        try await client.query("DELETE FROM login_throttle WHERE kind = \(kind.rawValue) AND key = \(key)", logger: logger)
    }
}
