import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import NIOCore

/// An error in Google's shape, for the Gemini-compatible routes.
struct GoogleError: Error, Sendable {
    var code: Int
    var status: String
    var message: String
    var retryAfter: Int?

    init(_ code: Int, _ status: String, _ message: String, retryAfter: Int? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Google's own error, passed on; Easel's failures to reach Google in the closest terms.
    init(upstream error: GeminiError) {
        switch error.kind {
        case .api(let code, let status, let message):
            self.init(code, status ?? Self.status(for: code), message)
        case .http(let code, let body):
            self.init(code, Self.status(for: code), body)
        case .deadlineExceeded:
            self.init(504, "DEADLINE_EXCEEDED", "Gemini did not answer in time: \(error.message)")
        default:
            self.init(503, "UNAVAILABLE", "Easel could not get an answer from Gemini: \(error.message)")
        }
    }

    /// The call ended before Google answered, because its caller left or a user canceled it.
    static let canceled = GoogleError(499, "CANCELLED", "The call was canceled before Gemini answered.")

    static func status(for code: Int) -> String {
        switch code {
        case 400, 413, 415: return "INVALID_ARGUMENT"
        case 401: return "UNAUTHENTICATED"
        case 403: return "PERMISSION_DENIED"
        case 404: return "NOT_FOUND"
        case 409: return "ABORTED"
        case 499: return "CANCELLED"
        case 429: return "RESOURCE_EXHAUSTED"
        case 501: return "UNIMPLEMENTED"
        case 503: return "UNAVAILABLE"
        case 504: return "DEADLINE_EXCEEDED"
        default: return code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"
        }
    }

    var body: Data {
        let value = JSONValue.object([
            "error": .object(["code": .number(Double(code)), "message": .string(message), "status": .string(status)])
        ])
        return (try? JSONEncoder.google.encode(value)) ?? Data()
    }

    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=UTF-8"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(data: body)))
    }
}
