import EaselCore
import EaselStore
import Hummingbird
import Logging
import NIOHTTP1

/// Turns every failure on the Gemini-compatible routes into Google's error shape, so SDKs raise
/// their usual exceptions.
struct GoogleErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let logger: Logger

    /// Easel's own refusal in Google's shape, `Retry-After` kept.
    static func google(_ error: AppError) -> GoogleError {
        var google = GoogleError(Int(error.status.code), GoogleError.status(for: Int(error.status.code)), error.message)
        google.retryAfter = error.headers[.retryAfter].flatMap { Int($0) }
        return google
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as GoogleError {
            return error.response
        } catch let error as AppError {
            return Self.google(error).response
        } catch let error as ValidationError {
            return GoogleError(400, "INVALID_ARGUMENT", "* GenerateContentRequest.\(error.field): \(error.message)").response
        } catch let error as PolicyError {
            return GoogleErrorMiddleware.google(error.appError).response
        } catch let error as HTTPError {
            let code = Int(error.status.code)
            return GoogleError(code, GoogleError.status(for: code), error.body ?? error.status.reasonPhrase).response
        } catch is HTTPParserError {
            return Self.google(.malformedRequest).response
        } catch let error where PostgresErrorMessage.isUnavailable(error) {
            logger.warning("the database is unavailable", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
            return Self.google(.databaseUnavailable).response
        } catch {
            logger.error("Gemini-compatible request failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
            return GoogleError(500, "INTERNAL", "An internal error has occurred.").response
        }
    }
}
