import Foundation
import Testing

@testable import EaselServer

/// The wake-up behind `?wait=`, the SSE stream and the dispatcher. Each wait reports what ended
/// it, and the waits that must be signalled have an hour's timeout, so a lost signal fails the
/// expectation or, if it hangs, the time limit.
@Suite(.timeLimit(.minutes(1))) struct WakeSignalTests {
    @Test func aSignalBeforeTheWaitIsNotLost() async {
        let signal = WakeSignal()
        signal.signal()
        #expect(await signal.wait(timeout: .seconds(3600)))
        // One signal, one wake-up: the next wait times out.
        #expect(await signal.wait(timeout: .milliseconds(1)) == false)
    }

    @Test func aSignalEndsAWaitInProgressAndEveryLaterWaitWaitsAgain() async throws {
        let signal = WakeSignal()
        for _ in 0..<3 {
            // Repeated waits on one signal each need their own wake-up (a stream-based version
            // returned at once after the first wait timed out).
            #expect(await signal.wait(timeout: .milliseconds(1)) == false)
            // Signalled before or during the wait (either order must wake it).
            async let woken = signal.wait(timeout: .seconds(3600))
            signal.signal()
            #expect(await woken)
        }
    }

    @Test func cancellingTheWaiterAndClosingEndWaits() async {
        let signal = WakeSignal()
        let waiter = Task { await signal.wait(timeout: .seconds(3600)) }
        waiter.cancel()
        #expect(await waiter.value == false, "a cancelled wait is not a signal")
        signal.close()
        #expect(await signal.wait(timeout: .seconds(3600)))
        #expect(await signal.wait(timeout: .seconds(3600)), "closed stays closed")
    }

    @Test func ticketsHearOnlyTheirGeneration() async {
        let signals = GenerationSignals()
        let (a, b) = (UUID(), UUID())
        let ticket = signals.register(a)
        signals.signal(b)
        #expect(await ticket.signal.wait(timeout: .milliseconds(1)) == false, "woken by another generation's signal")
        signals.signal(a)
        #expect(await ticket.signal.wait(timeout: .seconds(3600)))
        signals.unregister(ticket)
    }

    @Test func closingTheSignalsEndsEveryWaitNowAndLater() async {
        let signals = GenerationSignals()
        let before = signals.register(UUID())
        signals.close()
        #expect(await before.signal.wait(timeout: .seconds(3600)))
        let after = signals.register(UUID())
        #expect(await after.signal.wait(timeout: .seconds(3600)))
        #expect(signals.isClosed)
    }
}
