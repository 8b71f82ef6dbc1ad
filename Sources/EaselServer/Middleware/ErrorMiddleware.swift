import EaselCore
import EaselStore
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO

/// Turns every thrown error into the JSON error shape.
///
/// Hummingbird answers errors it does not recognise with an empty 500 and logs them at debug
/// level only; here expected errors keep their status and message, and unexpected ones are logged
/// at error level with the request id and answered with a generic 500 that leaks nothing.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let appError = Self.appError(for: error, request: request, context: context)
            return appError.response(requestID: context.requestID)
        }
    }

    static func appError(for error: any Error, request: Request, context: Context) -> AppError {
        switch error {
        case let error as AppError:
            return error
        case let error as ValidationError:
            return .validation(error)
        case let error as PolicyError:
            return error.appError
        case let error as PostgresTransactionError:
            // Errors thrown inside withTransaction come out wrapped; the closure's error is the real one.
            if let inner = error.closureError {
                return appError(for: inner, request: request, context: context)
            }
            return unexpected(error, context: context)
        case let error as HTTPError:
            return AppError(
                error.status,
                code: code(for: error.status),
                message: error.body ?? defaultMessage(for: error.status, request: request),
                headers: error.headers
            )
        case let error as PSQLError where PostgresErrorMessage.isBadValue(error):
            // A value the schema refuses (out of range, too long, a check): the client's input.
            return AppError(
                .badRequest,
                code: "invalid_value",
                message: "A value in the request is out of range or not allowed\(PostgresErrorMessage.constraint(error).map { " (\($0))" } ?? "")."
            )
        case is HTTPParserError:
            return .malformedRequest
        case let error where PostgresErrorMessage.isUnavailable(error):
            context.logger.warning("the database is unavailable", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
            return AppError.databaseUnavailable
        case is NIOTooManyBytesError:
            return AppError(.contentTooLarge, code: "payload_too_large", message: "The request body is too large.")
        case let error as any HTTPResponseError:
            return AppError(
                error.status,
                code: code(for: error.status),
                message: defaultMessage(for: error.status, request: request)
            )
        default:
            return unexpected(error, context: context)
        }
    }

    static func unexpected(_ error: any Error, context: Context) -> AppError {
        // A PostgreSQL error's DETAIL can quote the failing row (a password hash, say): log the
        // SQLSTATE, constraint and message only.
        let description = (error as? PSQLError).map(PostgresErrorMessage.describeForLog) ?? String(reflecting: error)
        context.logger.error("unexpected error", metadata: ["error": "\(description)", "error.type": "\(type(of: error))"])
        return AppError(
            .internalServerError,
            code: "internal_error",
            message: "Something went wrong on our side. Quote request id \(context.requestID) when reporting it."
        )
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: return "bad_request"
        case 401: return "unauthenticated"
        case 403: return "forbidden"
        case 404: return "not_found"
        case 405: return "method_not_allowed"
        case 409: return "conflict"
        case 413: return "payload_too_large"
        case 415: return "unsupported_media_type"
        case 429: return "rate_limited"
        case 503: return "unavailable"
        default: return status.code >= 500 ? "internal_error" : "http_\(status.code)"
        }
    }

    static func defaultMessage(for status: HTTPResponse.Status, request: Request) -> String {
        switch status.code {
        case 404: return "No route or file matches \(request.method) \(request.uri.path)."
        case 405: return "\(request.method) is not allowed on \(request.uri.path)."
        default: return status.reasonPhrase.isEmpty ? "Request failed." : status.reasonPhrase + "."
        }
    }
}
