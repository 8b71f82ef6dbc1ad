import Foundation
import Synchronization

/// In-process wake-ups for whoever waits on a generation (`?wait=`, the SSE stream): the worker
/// signals when a job it runs changes, and ``GenerationEvents`` when a database notification
/// says another instance changed one, so a waiter reads the database at once instead of on its
/// next poll (which remains as the fallback).
final class GenerationSignals: Sendable {
    /// A registration: signals that arrive after it is made are never lost.
    struct Ticket: Sendable {
        let id: UUID
        let key: UUID
        let signal: WakeSignal
    }

    private struct State {
        var waiters: [UUID: [UUID: WakeSignal]] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    /// How long a waiter sleeps when no signal comes: the fallback for a lost notification.
    let fallbackPoll: Duration

    init(fallbackPoll: Duration = .seconds(2)) {
        self.fallbackPoll = fallbackPoll
    }

    /// Registers interest in `id`; register before reading the state you wait to change. After
    /// ``close()`` the ticket's signal is closed: waits on it end at once.
    func register(_ id: UUID) -> Ticket {
        let ticket = Ticket(id: id, key: UUID(), signal: WakeSignal())
        let closed = state.withLock { state in
            state.waiters[id, default: [:]][ticket.key] = ticket.signal
            return state.closed
        }
        if closed { ticket.signal.close() }
        return ticket
    }

    /// Whether this instance is shutting down: waiters answer with what they have and stop.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// A graceful shutdown began: every wait ends now, and every later one at once.
    func close() {
        let all = state.withLock { state in
            state.closed = true
            return state.waiters.values.flatMap(\.values)
        }
        for signal in all { signal.close() }
    }

    func unregister(_ ticket: Ticket) {
        state.withLock { state in
            state.waiters[ticket.id]?.removeValue(forKey: ticket.key)
            if state.waiters[ticket.id]?.isEmpty == true { state.waiters[ticket.id] = nil }
        }
    }

    /// Wakes every waiter (notifications may have been missed).
    func signalAll() {
        for signal in state.withLock({ $0.waiters.values.flatMap(\.values) }) { signal.signal() }
    }

    /// Wakes everyone waiting on `id`.
    func signal(_ id: UUID) {
        for signal in state.withLock({ $0.waiters[id].map { Array($0.values) } ?? [] }) {
            signal.signal()
        }
    }
}
