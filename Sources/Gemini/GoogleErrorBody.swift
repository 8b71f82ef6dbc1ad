import Foundation

/// Google's error body: `{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}`.
public struct GoogleErrorBody: Codable, Sendable, Hashable {
    public struct Detail: Codable, Sendable, Hashable {
        public var code: Int
        public var message: String
        public var status: String?
        public var details: [JSONValue]?

        public init(code: Int, message: String, status: String?, details: [JSONValue]? = nil) {
            self.code = code
            self.message = message
            self.status = status
            self.details = details
        }
    }

    public var error: Detail

    public init(code: Int, message: String, status: String?) {
        self.error = Detail(code: code, message: message, status: status)
    }

    /// Google's canonical status name for an HTTP status code.
    public static func status(forHTTPCode code: Int) -> String {
        switch code {
        case 400: return "INVALID_ARGUMENT"
        case 401: return "UNAUTHENTICATED"
        case 403: return "PERMISSION_DENIED"
        case 404: return "NOT_FOUND"
        case 409: return "ABORTED"
        case 429: return "RESOURCE_EXHAUSTED"
        case 499: return "CANCELLED"
        case 500: return "INTERNAL"
        case 501: return "NOT_IMPLEMENTED"
        case 503: return "UNAVAILABLE"
        case 504: return "DEADLINE_EXCEEDED"
        default: return "UNKNOWN"
        }
    }
}
