import Foundation

/// A Gemini call that did not produce a response. Safety refusals are *not* errors: they are
/// responses (see ``GenerationOutcome``).
public struct GeminiError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Google answered with an error body: `error.code`, `error.status`, `error.message`.
        case api(code: Int, status: String?, message: String)
        /// An HTTP error whose body was not Google's error shape (a proxy's HTML page, say).
        case http(statusCode: Int, body: String)
        /// The connection failed, was reset, or closed before the whole body arrived.
        case transport(String)
        /// The call's deadline passed, retries included.
        case deadlineExceeded(Duration)
        /// A 200 whose body is not a GenerateContentResponse.
        case malformedResponse(String)
        /// The body was larger than the client accepts.
        case responseTooLarge(limit: Int)
        /// The call could not be made: a malformed base URL, say.
        case invalidRequest(String)
    }

    public var kind: Kind
    /// Every attempt made, in order, the failing one last.
    public var attempts: [GeminiAttempt]

    public init(_ kind: Kind, attempts: [GeminiAttempt] = []) {
        self.kind = kind
        self.attempts = attempts
    }

    /// The HTTP status Google (or whatever answered) gave, if any.
    public var httpStatus: Int? {
        switch kind {
        case .api(let code, _, _): return code
        case .http(let statusCode, _): return statusCode
        default: return nil
        }
    }

    /// Google's canonical status name (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, ...), if given.
    public var googleStatus: String? {
        if case .api(_, let status, _) = kind { return status }
        return nil
    }

    public var message: String {
        switch kind {
        case .api(_, _, let message): return message
        case .http(let statusCode, let body): return "HTTP \(statusCode): \(body.prefix(200))"
        case .transport(let reason): return "connection failed: \(reason)"
        case .deadlineExceeded(let duration): return "no answer within \(duration)"
        case .malformedResponse(let reason): return "malformed response: \(reason)"
        case .responseTooLarge(let limit): return "response larger than \(limit) bytes"
        case .invalidRequest(let reason): return reason
        }
    }

    public var description: String {
        let status = httpStatus.map { "\($0) " } ?? ""
        let google = googleStatus.map { "\($0): " } ?? ""
        return "Gemini error \(status)\(google)\(message) (after \(attempts.count) attempt\(attempts.count == 1 ? "" : "s"))"
    }
}
