import EaselStore
import Foundation
import Gemini
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// One Gemini-compatible call, from its admitted row to the stored end: it waits for its turn
/// (`GenerationWorker.runInline`), goes upstream through `UpstreamCaller`, and stores its end
/// from a task of its own, so a client that disconnects still leaves a terminal row.
struct GeminiCompatCall: Sendable {
    let accepted: GenerationService.Accepted
    let route: ModelStore.Route
    let request: GenerateContentRequest
    let upstream: UpstreamCaller
    let worker: GenerationWorker
    let logger: Logger

    /// `generateContent`: the whole answer, re-encoded from what Google sent (unknown fields kept).
    func answer() async throws -> Response {
        let outcome = try await run(streamed: false) { _ in }
        switch outcome {
        case .answered(let response, _):
            return try GeminiCompatController.json(response)
        case .failed(let error):
            throw GoogleError(upstream: error)
        case .refused(let refusal):
            throw GoogleError(403, "PERMISSION_DENIED", refusal.message)
        case .canceled:
            throw GoogleError.canceled
        }
    }

    /// `streamGenerateContent`: each chunk is passed on as it arrives (SSE with `alt=sse`, else
    /// a JSON array written element by element); the merged answer is stored at the end.
    func stream(sse: Bool) -> Response {
        let (events, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        // Not a child of the response: a client that leaves cancels the upstream call through
        // the body's cancellation below, but the end is still stored.
        let work = Task { [self] in
            defer { continuation.finish() }
            let sent = SentCount()
            let outcome: UpstreamCaller.Outcome
            do {
                outcome = try await run(streamed: true) { chunk in
                    let first = sent.next() == 0
                    var buffer = ByteBuffer(string: sse ? "data: " : (first ? "[" : ",\r\n"))
                    buffer.writeBytes(try JSONEncoder.google.encode(chunk))
                    if sse { buffer.writeString("\r\n\r\n") }
                    continuation.yield(buffer)
                }
            } catch {
                // It never started, or a shutdown stopped it: its row is already ended. A client
                // still there gets Google's error as the only event (one that left reads nothing).
                let google = error as? GoogleError ?? .canceled
                var buffer = ByteBuffer(string: sse ? "data: " : "[")
                buffer.writeBytes(google.body)
                buffer.writeString(sse ? "\r\n\r\n" : "]")
                continuation.yield(buffer)
                return
            }
            let nothingSent = sent.value == 0
            switch outcome {
            case .answered:
                if !sse { continuation.yield(ByteBuffer(string: nothingSent ? "[]" : "]")) }
            case .failed, .refused, .canceled:
                if nothingSent {
                    // Nothing sent yet: the client gets Google's error as the only event.
                    let google: GoogleError
                    switch outcome {
                    case .failed(let error): google = GoogleError(upstream: error)
                    case .refused(let refusal): google = GoogleError(403, "PERMISSION_DENIED", refusal.message)
                    default: google = .canceled
                    }
                    var buffer = ByteBuffer(string: sse ? "data: " : "[")
                    buffer.writeBytes(google.body)
                    buffer.writeString(sse ? "\r\n\r\n" : "]")
                    continuation.yield(buffer)
                }
            }
        }
        return Response(
            status: .ok,
            headers: [.contentType: sse ? "text/event-stream" : "application/json; charset=UTF-8", .cacheControl: "no-store"],
            body: .init { writer in
                await withTaskCancellationHandler {
                    for await event in events {
                        do { try await writer.write(event) } catch {
                            work.cancel()
                            return
                        }
                    }
                } onCancel: {
                    work.cancel()
                }
                try await writer.finish(nil)
            }
        )
    }

    /// Waits for this call's turn, calls upstream and stores the end, all while holding its slot
    /// (so the next call of the tenant starts once this one is stored, as queued jobs do).
    /// Throws Google's error when the call did not run to its end here: `CANCELLED` when the
    /// caller left or a user canceled it while it waited (the row is `canceled`); `UNAVAILABLE`
    /// when Easel could not start it (the database failed; `failed`, `not_started`), or when this
    /// instance is shutting down, before the call started or when the shutdown ran out of time
    /// while it ran (`failed`, `shutting_down`).
    func run(
        streamed: Bool,
        onChunk: @escaping @Sendable (GenerateContentResponse) async throws -> Void
    ) async throws -> UpstreamCaller.Outcome {
        do {
            let outcome = try await worker.runInline(accepted.id, tenantID: accepted.tenantID) { [self] in
                let started = ContinuousClock.now
                let (outcome, host) = await upstream.call(accepted.model, route: route, request: request, streamed: streamed, onChunk: onChunk)
                var finish = GenerationOutcomeMapper.finish(
                    outcome,
                    host: host,
                    started: started,
                    options: accepted.options,
                    apiModel: accepted.model.apiModel
                )
                if case .canceled = outcome, worker.isHandingBack(accepted.id) {
                    // Stopped by a shutdown that ran out of time: the caller is told to retry.
                    finish = GenerationQueue.Finish(status: .failed, attempts: finish.attempts)
                    (finish.errorCode, finish.errorMessage) = WorkerShuttingDown.stored
                }
                // Stored before the answer ends, so a client that looks at its history next finds
                // it (a user's cancel that came while it ran wins over the answer).
                if await !worker.storeEnd(accepted.id, tenantID: accepted.tenantID, finish) {
                    logger.warning(
                        "a Gemini-compatible call's end was not stored: its row was ended meanwhile (canceled, or reaped as orphaned)",
                        metadata: ["generation": "\(accepted.id)"]
                    )
                }
                return outcome
            }
            if case .canceled = outcome, worker.isHandingBack(accepted.id) { throw WorkerShuttingDown() }
            return outcome
        } catch is CancellationError {
            throw GoogleError.canceled
        } catch is WorkerShuttingDown {
            throw GoogleError(503, "UNAVAILABLE", WorkerShuttingDown.stored.1)
        } catch {
            logger.error(
                "starting a Gemini-compatible call failed",
                metadata: ["generation": "\(accepted.id)", "error": "\(PostgresErrorMessage.describe(error))"]
            )
            throw GoogleError(503, "UNAVAILABLE", "Easel could not start this call; try again.")
        }
    }
}

/// How many chunks a stream has passed on.
private final class SentCount: Sendable {
    private let count = Mutex(0)
    /// The count before this chunk, then one more.
    func next() -> Int {
        count.withLock { count in
            defer { count += 1 }
            return count
        }
    }
    var value: Int { count.withLock { $0 } }
}
