import EaselCore
import Foundation
import HTTPTypes
import Hummingbird

/// An expected failure: it knows its HTTP status, a stable machine-readable code and a message
/// for people. ``ErrorMiddleware`` renders it as `{"error": {"code", "message", "requestId"}}`.
public struct AppError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields
    /// The request field at fault, for forms that show errors beside their inputs.
    public var field: String?

    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:], field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.field = field
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func badRequest(_ message: String, code: String = "bad_request") -> AppError {
        AppError(.badRequest, code: code, message: message)
    }

    public static func notFound(_ message: String = "Not found.") -> AppError {
        AppError(.notFound, code: "not_found", message: message)
    }

    public static func conflict(_ message: String) -> AppError {
        AppError(.conflict, code: "conflict", message: message)
    }

    public static func validation(_ error: ValidationError) -> AppError {
        AppError(.badRequest, code: "invalid_field", message: error.description, field: error.field)
    }

    public static func unavailable(_ message: String, code: String = "unavailable") -> AppError {
        AppError(.serviceUnavailable, code: code, message: message)
    }

    /// The request is not valid HTTP: most often a body that ended before its declared length.
    static let malformedRequest = AppError(
        .badRequest,
        code: "malformed_request",
        message: "The request could not be read as HTTP (for example, its body ended before its declared length)."
    )

    /// The database could not be reached for a moment (a restart, a dropped connection).
    static let databaseUnavailable = AppError(
        .serviceUnavailable,
        code: "database_unavailable",
        message: "The database is unavailable for a moment; retry the request.",
        headers: [.retryAfter: "1"]
    )
}

/// The JSON error body of every failed request.
struct ErrorBody: Codable, Sendable {
    struct Detail: Codable, Sendable {
        var code: String
        var message: String
        var field: String?
        var requestId: String
    }
    var error: Detail
}

extension AppError {
    /// The error's JSON response for the request with id `requestID`.
    func response(requestID: String) -> Response {
        let body = ErrorBody(error: .init(code: code, message: message, field: field, requestId: requestID))
        let data = (try? JSONEncoder.api.encode(body)) ?? Data()
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
