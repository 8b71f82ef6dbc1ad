import Foundation
import Synchronization

/// In-process wake-ups for whoever waits on a generation (`?wait=`, the SSE stream): the worker
/// signals when a job it runs changes, so a waiter reads the database at once instead of on its
/// next poll. Jobs another instance runs are still seen by polling; this only makes the local
/// case fast.
final class GenerationSignals: Sendable {
    /// A registration: signals that arrive after it is made are never lost.
    struct Ticket: Sendable {
        let id: UUID
        let key: UUID
        let stream: AsyncStream<Void>
    }

    private let waiters = Mutex<[UUID: [UUID: AsyncStream<Void>.Continuation]]>([:])

    /// Registers interest in `id`; register before reading the state you wait to change.
    func register(_ id: UUID) -> Ticket {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let key = UUID()
        waiters.withLock { $0[id, default: [:]][key] = continuation }
        return Ticket(id: id, key: key, stream: stream)
    }

    func unregister(_ ticket: Ticket) {
        let continuation = waiters.withLock { waiters -> AsyncStream<Void>.Continuation? in
            let removed = waiters[ticket.id]?.removeValue(forKey: ticket.key)
            if waiters[ticket.id]?.isEmpty == true { waiters[ticket.id] = nil }
            return removed
        }
        continuation?.finish()
    }

    /// Wakes everyone waiting on `id`.
    func signal(_ id: UUID) {
        for continuation in waiters.withLock({ $0[id].map { Array($0.values) } ?? [] }) {
            continuation.yield()
        }
    }

    /// Returns when `ticket`'s generation was signalled since the last wait, or after `timeout`.
    func wait(_ ticket: Ticket, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in ticket.stream { return }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
