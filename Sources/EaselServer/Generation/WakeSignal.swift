import Foundation
import Synchronization

/// A wake-up for one waiter at a time: `signal()` ends the current `wait` at once, or the next
/// one if nobody waits yet (a signal is never lost); `wait` also ends at its timeout, when the
/// waiting task is cancelled, and for good after `close()`.
///
/// (An `AsyncStream` looks like the tool for this, but cancelling a task that iterates one
/// finishes the stream, so every later wait would return at once.)
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var closed = false
        var waiter: (token: UUID, continuation: CheckedContinuation<Bool, Never>, timer: Task<Void, Never>?)?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> (CheckedContinuation<Bool, Never>, Task<Void, Never>?)? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return (waiter.continuation, waiter.timer)
        }
        waiter?.1?.cancel()
        waiter?.0.resume(returning: true)
    }

    func close() {
        state.withLock { $0.closed = true }
        signal()
    }

    /// Waits for a signal; true when a signal (or `close()`) ended the wait, false when the
    /// timeout or the task's cancellation did.
    @discardableResult
    func wait(timeout: Duration) async -> Bool {
        let token = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                // Registered first, so neither a signal nor the timer can come before it.
                let registered = state.withLock { state -> Bool in
                    if state.pending || state.closed {
                        state.pending = false
                        return false
                    }
                    state.waiter = (token, continuation, nil)
                    return true
                }
                guard registered else {
                    continuation.resume(returning: true)
                    return
                }
                // Cancelled before it began waiting: the cancellation handler has already run.
                if Task.isCancelled {
                    end(token)
                    return
                }
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.end(token)
                }
                let kept = state.withLock { state -> Bool in
                    guard state.waiter?.token == token else { return false }
                    state.waiter?.timer = timer
                    return true
                }
                if !kept { timer.cancel() }
            }
        } onCancel: {
            end(token)
        }
    }

    /// Ends the wait of `token` unsignalled (its timeout or cancellation), if it is still the one waiting.
    private func end(_ token: UUID) {
        let waiter = state.withLock { state -> (CheckedContinuation<Bool, Never>, Task<Void, Never>?)? in
            guard let waiter = state.waiter, waiter.token == token else { return nil }
            state.waiter = nil
            return (waiter.continuation, waiter.timer)
        }
        waiter?.1?.cancel()
        waiter?.0.resume(returning: false)
    }
}
