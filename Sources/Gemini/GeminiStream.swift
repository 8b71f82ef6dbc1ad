import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// The chunks of a `streamGenerateContent` answer, decoded as they arrive.
///
/// Iterating reads the HTTP body; nothing is buffered beyond the event being read. A body cut
/// off mid-event, a mid-stream Google error, or the call's deadline ends the iteration with a
/// ``GeminiError``.
public struct GeminiStream: AsyncSequence, Sendable {
    public typealias Element = GenerateContentResponse

    /// The attempts made before the stream started (retries happen only before the first byte).
    public let attempts: [GeminiAttempt]
    let body: HTTPClientResponse.Body
    let deadline: ContinuousClock.Instant
    let timeout: Duration
    let maxEventBytes: Int

    init(body: HTTPClientResponse.Body, attempts: [GeminiAttempt], deadline: ContinuousClock.Instant, timeout: Duration, maxEventBytes: Int) {
        self.body = body
        self.attempts = attempts
        self.deadline = deadline
        self.timeout = timeout
        self.maxEventBytes = maxEventBytes
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(stream: self)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: GeminiStream
        var bodyIterator: HTTPClientResponse.Body.AsyncIterator
        var parser: ServerSentEventParser
        var pending: [String] = []
        var finished = false
        let decoder = JSONDecoder()

        init(stream: GeminiStream) {
            self.stream = stream
            self.bodyIterator = stream.body.makeAsyncIterator()
            self.parser = ServerSentEventParser(maxEventBytes: stream.maxEventBytes)
        }

        public mutating func next() async throws -> GenerateContentResponse? {
            while true {
                if !pending.isEmpty {
                    return try decode(pending.removeFirst())
                }
                if finished { return nil }
                guard ContinuousClock.now < stream.deadline else {
                    throw GeminiError(.deadlineExceeded(stream.timeout), attempts: stream.attempts)
                }
                let chunk: ByteBuffer?
                do {
                    chunk = try await nextBodyChunk()
                } catch let error as GeminiError {
                    throw error
                } catch {
                    throw GeminiError(.transport("stream interrupted: \(GeminiClient.describe(error))"), attempts: stream.attempts)
                }
                guard let chunk else {
                    finished = true
                    if let last = parser.finish() { pending.append(last) }
                    continue
                }
                do {
                    pending.append(contentsOf: try parser.append(chunk))
                } catch {
                    throw GeminiError(.responseTooLarge(limit: stream.maxEventBytes), attempts: stream.attempts)
                }
            }
        }

        /// The next body buffer, raced against the deadline. The iterator is moved into the
        /// racing task and back, since it may not be shared between tasks.
        mutating func nextBodyChunk() async throws -> ByteBuffer? {
            let box = IteratorBox(bodyIterator)
            let deadline = stream.deadline
            let result = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await box.next() }
                group.addTask {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    throw DeadlineExceeded()
                }
                defer { group.cancelAll() }
                do {
                    return try await group.next()!
                } catch is DeadlineExceeded {
                    throw GeminiError(.deadlineExceeded(stream.timeout), attempts: stream.attempts)
                }
            }
            bodyIterator = box.iterator
            return result
        }

        func decode(_ data: String) throws -> GenerateContentResponse {
            let bytes = Data(data.utf8)
            // Only an error event names "error" near its start; an answer is not parsed twice.
            if bytes.prefix(32).contains(UInt8(ascii: "e")), String(decoding: bytes.prefix(32), as: UTF8.self).contains("\"error\""),
                let google = try? decoder.decode(GoogleErrorBody.self, from: bytes)
            {
                throw GeminiError(
                    .api(code: google.error.code, status: google.error.status, message: google.error.message),
                    attempts: stream.attempts
                )
            }
            do {
                return try decoder.decode(GenerateContentResponse.self, from: bytes)
            } catch {
                throw GeminiError(.malformedResponse(GeminiClient.describe(error)), attempts: stream.attempts)
            }
        }
    }

    /// Reads the whole stream and merges it into one response.
    public func collect() async throws -> GenerateContentResponse {
        var chunks: [GenerateContentResponse] = []
        for try await chunk in self { chunks.append(chunk) }
        return GenerateContentResponse.merge(chunks)
    }
}

/// Holds a body iterator while one task at a time advances it.
final class IteratorBox: @unchecked Sendable {
    var iterator: HTTPClientResponse.Body.AsyncIterator
    init(_ iterator: HTTPClientResponse.Body.AsyncIterator) { self.iterator = iterator }
    func next() async throws -> ByteBuffer? { try await iterator.next() }
}
