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
        let signal: WakeSignal
    }

    private let waiters = Mutex<[UUID: [UUID: WakeSignal]]>([:])

    /// Registers interest in `id`; register before reading the state you wait to change.
    func register(_ id: UUID) -> Ticket {
        let ticket = Ticket(id: id, key: UUID(), signal: WakeSignal())
        waiters.withLock { $0[id, default: [:]][ticket.key] = ticket.signal }
        return ticket
    }

    func unregister(_ ticket: Ticket) {
        waiters.withLock { waiters in
            waiters[ticket.id]?.removeValue(forKey: ticket.key)
            if waiters[ticket.id]?.isEmpty == true { waiters[ticket.id] = nil }
        }
    }

    /// Wakes everyone waiting on `id`.
    func signal(_ id: UUID) {
        for signal in waiters.withLock({ $0[id].map { Array($0.values) } ?? [] }) {
            signal.signal()
        }
    }
}
