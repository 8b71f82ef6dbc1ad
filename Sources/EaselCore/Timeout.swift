import Synchronization

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

/// Like ``withTimeout(_:operation:)``, but never waits for an operation that ignores
/// cancellation: at the deadline it cancels the operation, throws ``TimeoutError`` and leaves
/// the operation to end on its own. For calls into libraries that may not notice cancellation
/// while they wait (a connection pool retrying a database that is gone), where a caller such
/// as a shutting-down service must not hang.
public func withAbandoningTimeout<T: Sendable>(
    _ duration: Duration,
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let work = Task { try await operation() }
    let settled = Once()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let timer = Task {
                try? await Task.sleep(for: duration)
                guard !Task.isCancelled, settled.claim() else { return }
                work.cancel()
                continuation.resume(throwing: TimeoutError(duration: duration))
            }
            Task {
                let result = await work.result
                guard settled.claim() else { return }
                timer.cancel()
                continuation.resume(with: result)
            }
        }
    } onCancel: {
        work.cancel()
    }
}

/// True for the first caller of `claim()` only.
final class Once: Sendable {
    private let done = Mutex(false)

    func claim() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
