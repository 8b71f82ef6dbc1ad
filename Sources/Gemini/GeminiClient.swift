import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The one way Easel talks to Gemini.
///
/// It shares a single `HTTPClient` (one connection pool per host) for the whole process; each
/// call names its endpoint (base URL and key), so per-model routes need no client of their own.
/// A call has one deadline that covers every attempt and the whole body (AsyncHTTPClient's own
/// deadline stops at the response head), and retries what is worth retrying.
public final class GeminiClient: Sendable {
    /// Options of one call.
    public struct CallOptions: Sendable {
        /// The deadline of the whole call: all attempts, waits and bodies.
        public var timeout: Duration
        public var retry: RetryPolicy
        /// Bodies larger than this fail with ``GeminiError/Kind/responseTooLarge(limit:)``.
        public var maxResponseBytes: Int

        public init(timeout: Duration = .seconds(180), retry: RetryPolicy = .default, maxResponseBytes: Int = 256 * 1024 * 1024) {
            self.timeout = timeout
            self.retry = retry
            self.maxResponseBytes = maxResponseBytes
        }
    }

    /// A response and the attempts it took.
    public struct Result: Sendable {
        public var response: GenerateContentResponse
        public var attempts: [GeminiAttempt]
    }

    public let httpClient: HTTPClient
    let logger: Logger
    let userAgent: String

    public init(httpClient: HTTPClient, logger: Logger = Logger(label: "gemini"), userAgent: String = "easel-gemini/1") {
        self.httpClient = httpClient
        self.logger = logger
        self.userAgent = userAgent
    }

    /// An `HTTPClient` configured for Gemini traffic: a generous pool per host (image calls are
    /// long and many run at once), no automatic redirects of POSTs, a bounded connect time.
    /// Give `connectionsPerHost` at least the number of calls that may run at once: a call that
    /// waits for a free connection longer than the connect timeout fails.
    public static func makeHTTPClient(connectionsPerHost: Int = 64) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        // Idle reads: an image call may think for a minute before its first byte.
        configuration.timeout.read = .seconds(300)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        // A failed connection surfaces at once, so the call's own retry policy handles it and
        // reports each try; AsyncHTTPClient would otherwise retry silently until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .enabled(limit: .ratio(20))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    // MARK: generateContent

    /// Calls `models/{model}:generateContent` and decodes the answer.
    public func generateContent(
        model: String,
        request: GenerateContentRequest,
        endpoint: GeminiEndpoint,
        options: CallOptions = .init()
    ) async throws(GeminiError) -> Result {
        let url = try endpoint.url(model: model, method: "generateContent")
        let maxBytes = options.maxResponseBytes
        // The whole body is read inside the attempt, so a body cut short is retried like any transport failure.
        var (body, attempts, _) = try await send(url: url, body: try encode(request), endpoint: endpoint, options: options) { response in
            try await response.body.collect(upTo: maxBytes)
        }
        do {
            return Result(response: try JSONDecoder().decode(GenerateContentResponse.self, from: body), attempts: attempts)
        } catch {
            attempts[attempts.count - 1].failure = "malformed response"
            throw GeminiError(.malformedResponse(Self.describe(error)), attempts: attempts)
        }
    }

    // MARK: streamGenerateContent

    /// Calls `models/{model}:streamGenerateContent?alt=sse` and returns the chunks as they arrive.
    ///
    /// Retries happen only before the first byte of a successful answer; once chunks flow, a
    /// failure ends the stream with an error. The call's deadline covers the whole stream.
    public func streamGenerateContent(
        model: String,
        request: GenerateContentRequest,
        endpoint: GeminiEndpoint,
        options: CallOptions = .init()
    ) async throws(GeminiError) -> GeminiStream {
        let url = try endpoint.url(model: model, method: "streamGenerateContent", query: "alt=sse")
        let (body, attempts, deadline) = try await send(url: url, body: try encode(request), endpoint: endpoint, options: options) { response in
            response.body
        }
        return GeminiStream(body: body, attempts: attempts, deadline: deadline, timeout: options.timeout, maxEventBytes: options.maxResponseBytes)
    }

    // MARK: countTokens

    /// Calls `models/{model}:countTokens` with `body` as the client sent it (`contents`, or a
    /// whole `generateContentRequest`) and answers Google's JSON as it came
    /// (`totalTokens`, `promptTokensDetails`, ...).
    public func countTokens(
        model: String,
        body: JSONValue,
        endpoint: GeminiEndpoint,
        options: CallOptions = .init()
    ) async throws(GeminiError) -> (response: JSONValue, attempts: [GeminiAttempt]) {
        let url = try endpoint.url(model: model, method: "countTokens")
        let encoded: ByteBuffer
        do {
            encoded = ByteBuffer(data: try JSONEncoder().encode(body))
        } catch {
            throw GeminiError(.invalidRequest("request could not be encoded: \(error)"))
        }
        let maxBytes = Self.errorBodyLimit
        var (answer, attempts, _) = try await send(url: url, body: encoded, endpoint: endpoint, options: options) { response in
            try await response.body.collect(upTo: maxBytes)
        }
        do {
            return (try JSONDecoder().decode(JSONValue.self, from: answer), attempts)
        } catch {
            attempts[attempts.count - 1].failure = "malformed response"
            throw GeminiError(.malformedResponse(Self.describe(error)), attempts: attempts)
        }
    }

    // MARK: the attempt loop

    /// Sends `body` until an attempt answers 200 and `accept` takes its response, retrying
    /// what `options.retry` allows (429, 5xx, connection failures; `Retry-After` honoured) within
    /// one deadline that covers every attempt, every wait and `accept`. Every attempt is recorded.
    func send<T: Sendable>(
        url: String,
        body: ByteBuffer,
        endpoint: GeminiEndpoint,
        options: CallOptions,
        accept: @escaping @Sendable (HTTPClientResponse) async throws -> T
    ) async throws(GeminiError) -> (T, attempts: [GeminiAttempt], deadline: ContinuousClock.Instant) {
        let deadline = ContinuousClock.now + options.timeout
        var attempts: [GeminiAttempt] = []
        while true {
            let number = attempts.count + 1
            let started = ContinuousClock.now
            let outcome: AttemptOutcome<T>
            do {
                outcome = try await withDeadline(deadline) { [self] in
                    let response = try await self.httpClient.execute(
                        self.makeRequest(url: url, body: body, endpoint: endpoint),
                        deadline: .distantFuture,
                        logger: self.logger
                    )
                    let status = Int(response.status.code)
                    guard status == 200 else {
                        // An error answer is read only as far as a message needs.
                        // A body that cannot be read leaves the status to speak for itself.
                        let body = (try? await Self.readPrefix(of: response.body, limit: Self.errorBodyLimit)) ?? ByteBuffer()
                        return .refused(status, response.headers, body)
                    }
                    return .accepted(try await accept(response))
                }
            } catch {
                var attempt = GeminiAttempt(number: number, host: endpoint.host, latency: .now - started, failure: Self.describe(error))
                if error is DeadlineExceeded {
                    attempt.failure = "deadline exceeded"
                    attempts.append(attempt)
                    throw GeminiError(.deadlineExceeded(options.timeout), attempts: attempts)
                }
                attempts.append(attempt)
                if error is NIOTooManyBytesError {
                    throw GeminiError(.responseTooLarge(limit: options.maxResponseBytes), attempts: attempts)
                }
                try await waitBeforeRetry(
                    after: GeminiError(.transport(Self.describe(error)), attempts: attempts),
                    retryAfter: nil,
                    retryable: true,
                    options: options,
                    deadline: deadline
                )
                continue
            }
            let latency = ContinuousClock.now - started
            switch outcome {
            case .accepted(let value):
                attempts.append(GeminiAttempt(number: number, host: endpoint.host, statusCode: 200, latency: latency))
                return (value, attempts, deadline)
            case .refused(let status, let headers, let errorBody):
                let retryAfter = Self.retryAfter(headers)
                let error = Self.httpError(status: status, body: errorBody)
                attempts.append(
                    GeminiAttempt(
                        number: number,
                        host: endpoint.host,
                        statusCode: status,
                        latency: latency,
                        failure: error.message,
                        retryAfter: retryAfter
                    )
                )
                try await waitBeforeRetry(
                    after: GeminiError(error.kind, attempts: attempts),
                    retryAfter: retryAfter,
                    retryable: options.retry.retryableStatusCodes.contains(status),
                    options: options,
                    deadline: deadline
                )
            }
        }
    }

    // MARK: helpers

    /// What one attempt got: a 200 its caller took, or an error answer.
    enum AttemptOutcome<T: Sendable>: Sendable {
        case accepted(T)
        case refused(Int, HTTPHeaders, ByteBuffer)
    }

    func encode(_ request: GenerateContentRequest) throws(GeminiError) -> ByteBuffer {
        do {
            return ByteBuffer(data: try JSONEncoder().encode(request))
        } catch {
            throw GeminiError(.invalidRequest("request could not be encoded: \(error)"))
        }
    }

    func makeRequest(url: String, body: ByteBuffer, endpoint: GeminiEndpoint) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.headers.add(name: "User-Agent", value: userAgent)
        if let key = endpoint.apiKey { request.headers.add(name: "x-goog-api-key", value: key) }
        request.body = .bytes(body)
        return request
    }

    /// Sleeps before the next attempt, or throws `error` when no attempt should follow: not
    /// retryable, attempts used up, or the wait would overrun the deadline.
    func waitBeforeRetry(
        after error: GeminiError,
        retryAfter: Duration?,
        retryable: Bool,
        options: CallOptions,
        deadline: ContinuousClock.Instant
    ) async throws(GeminiError) {
        let attempt = error.attempts.count
        let attemptsSoFar = error.attempts
        guard retryable, attempt < options.retry.maxAttempts else { throw error }
        let delay = options.retry.delay(afterAttempt: attempt, retryAfter: retryAfter)
        guard ContinuousClock.now + delay < deadline else { throw error }
        logger.debug(
            "retrying Gemini call",
            metadata: ["attempt": "\(attempt)", "delay_s": "\(delay.seconds)", "error": "\(error.message)"]
        )
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw GeminiError(.transport("cancelled while waiting to retry"), attempts: attemptsSoFar)
        }
    }

    /// How much of an error answer is read: Google's error bodies are a few hundred bytes.
    static let errorBodyLimit = 64 * 1024

    /// The first `limit` bytes of a body; the rest is left unread (the connection is then closed).
    static func readPrefix(of body: HTTPClientResponse.Body, limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var chunk in body {
            let room = limit - collected.readableBytes
            if chunk.readableBytes >= room {
                if let slice = chunk.readSlice(length: room) { collected.writeImmutableBuffer(slice) }
                break
            }
            collected.writeBuffer(&chunk)
        }
        return collected
    }

    static func httpError(status: Int, body: ByteBuffer) -> GeminiError {
        if let google = try? JSONDecoder().decode(GoogleErrorBody.self, from: body) {
            return GeminiError(.api(code: google.error.code, status: google.error.status, message: google.error.message))
        }
        // Some relays answer with a bare array of Google errors.
        if let list = try? JSONDecoder().decode([GoogleErrorBody].self, from: body), let google = list.first {
            return GeminiError(.api(code: google.error.code, status: google.error.status, message: google.error.message))
        }
        return GeminiError(.http(statusCode: status, body: String(buffer: body)))
    }

    /// `Retry-After` as seconds or an HTTP date.
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(max(0, date.timeIntervalSinceNow))
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        if let error = error as? DecodingError {
            switch error {
            case .dataCorrupted(let context): return "invalid JSON: \(context.debugDescription)"
            case .keyNotFound(let key, _): return "missing field \(key.stringValue)"
            case .typeMismatch(_, let context): return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
            case .valueNotFound(_, let context): return "null at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
            @unknown default: return "\(error)"
            }
        }
        return String(describing: error)
    }
}

/// The call's deadline passed.
struct DeadlineExceeded: Error {}

/// Runs `operation` until `deadline`, then cancels it and throws ``DeadlineExceeded``.
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(until: deadline, clock: .continuous)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
