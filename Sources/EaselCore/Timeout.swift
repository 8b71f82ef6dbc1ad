/// Thrown by ``withTimeout(_:operation:)`` when the operation did not finish in time.
public struct TimeoutError: Error, Sendable, CustomStringConvertible {
    public let duration: Duration
    public init(duration: Duration) { self.duration = duration }
    public var description: String { "timed out after \(duration)" }
}

/// Runs `operation`, cancelling it and throwing ``TimeoutError`` if it has not finished within `duration`.
///
/// Used where a library would otherwise wait far longer than a caller can (a PostgreSQL pool
/// retrying an unreachable host, for one).
public func withTimeout<T: Sendable>(
    _ duration: Duration,
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw TimeoutError(duration: duration)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

extension Duration {
    /// The duration in whole milliseconds (truncated), as history and logs record latencies.
    public var wholeMilliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
