import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The first step of a graceful shutdown, run before the HTTP server stops: the instance stops
/// claiming jobs and reports itself not ready (`/ready` answers 503 `draining`, so a proxy sends
/// new calls elsewhere), tells `?wait=` and event streams to answer now, lets the calls in
/// flight finish for up to `budget`, then hands back the leases of the jobs still running so
/// another instance takes them at once. Only then do the server, the Gemini client and,
/// last, the database pool stop.
///
/// Run it in the same service group as the application, after it (services are told to shut
/// down in reverse order):
///
///     let drain = ShutdownDrain(budget: .seconds(25))
///     let app = try await buildApplication(configuration: configuration, drain: drain)
///     ServiceGroup(services: [app, drain], ...)
public final class ShutdownDrain: Service, Sendable {
    /// How long the calls in flight may go on once the shutdown began.
    let budget: Duration
    /// Past this time after the shutdown began, the process exits whatever still runs (a
    /// database that never answers, a task that ignores cancellation). Nil: never (tests).
    let exitDeadline: Duration?
    let logger: Logger
    private let worker = Mutex<GenerationWorker?>(nil)

    public init(budget: Duration, exitDeadline: Duration? = nil, logger: Logger = Logger(label: "easel")) {
        self.budget = budget
        self.exitDeadline = exitDeadline
        self.logger = logger
    }

    /// The worker whose jobs are drained; set by `buildApplication`.
    func attach(_ worker: GenerationWorker) {
        self.worker.withLock { $0 = worker }
    }

    public func run() async throws {
        // Returns when a graceful shutdown begins; throws (and so ends this service) when the
        // group is cancelled instead.
        do { try await gracefulShutdown() } catch { return }
        await perform()
    }

    /// Drains the worker now (what a graceful shutdown does first).
    func perform() async {
        let begun = ContinuousClock.now
        if let exitDeadline {
            let logger = self.logger
            // A thread, not a task: it must fire even if every task is stuck.
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: Double(exitDeadline.components.seconds) + Double(exitDeadline.components.attoseconds) / 1e18)
                logger.critical("graceful shutdown did not finish within its grace period; exiting")
                exit(1)
            }
        }
        guard let worker = worker.withLock({ $0 }) else { return }
        await worker.drain(until: begun + budget)
    }
}
