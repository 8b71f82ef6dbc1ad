import Foundation
import Testing

@testable import EaselServer

/// The wake-up behind `?wait=`, the SSE stream and the dispatcher. Each wait below has an hour's
/// timeout, so only the behaviour under test can end it (the time limit catches a regression).
@Suite(.timeLimit(.minutes(1))) struct WakeSignalTests {
    @Test func aSignalBeforeTheWaitIsNotLost() async {
        let signal = WakeSignal()
        signal.signal()
        await signal.wait(timeout: .seconds(3600))
    }

    @Test func aSignalEndsAWaitInProgressAndEveryLaterWaitWaitsAgain() async throws {
        let signal = WakeSignal()
        for _ in 0..<3 {
            // Repeated waits on one signal each need their own wake-up (a stream-based version
            // returned at once after the first wait timed out).
            await signal.wait(timeout: .milliseconds(1))
            async let woken: Void = signal.wait(timeout: .seconds(3600))
            try await Task.sleep(for: .milliseconds(20))
            signal.signal()
            await woken
        }
    }

    @Test func cancellingTheWaiterAndClosingEndWaits() async {
        let signal = WakeSignal()
        let waiter = Task { await signal.wait(timeout: .seconds(3600)) }
        waiter.cancel()
        await waiter.value
        signal.close()
        await signal.wait(timeout: .seconds(3600))
        await signal.wait(timeout: .seconds(3600))
    }

    @Test func ticketsHearOnlyTheirGeneration() async {
        let signals = GenerationSignals()
        let (a, b) = (UUID(), UUID())
        let ticket = signals.register(a)
        signals.signal(b)
        signals.signal(a)
        await ticket.signal.wait(timeout: .seconds(3600))
        signals.unregister(ticket)
    }
}
