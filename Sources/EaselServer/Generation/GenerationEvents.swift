import EaselStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Listens for the database's notifications on channel `easel` (migration 0015) and turns them
/// into local wake-ups: `queue` wakes the worker (a job was queued or a slot freed, perhaps on
/// another instance), a generation id wakes whoever follows that generation here. So a job
/// queued on one instance starts at once on another, and its events reach a waiter on a third.
///
/// The listener holds one pool connection. When it drops (a database restart) it listens again
/// with backoff, and wakes everyone once it does, since notifications sent meanwhile are lost;
/// the waiters' slower polling covers that gap.
struct GenerationEvents: Service {
    static let channel = "easel"

    let postgres: PostgresClient
    let worker: GenerationWorker
    let signals: GenerationSignals
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay = Duration.milliseconds(250)
            while !Task.isCancelled {
                do {
                    try await postgres.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            delay = .milliseconds(250)
                            worker.notify()
                            signals.signalAll()
                            for try await notification in notifications {
                                handle(notification.payload)
                            }
                        }
                    }
                } catch {
                    guard !Task.isCancelled else { break }
                    logger.warning(
                        "listening for generation notifications failed; polling until it is back",
                        metadata: ["error": "\(PostgresErrorMessage.describe(error))"]
                    )
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(10))
            }
        }
    }

    func handle(_ payload: String) {
        if payload == "queue" {
            worker.notify()
        } else if let id = UUID(uuidString: payload) {
            signals.signal(id)
        }
    }
}
