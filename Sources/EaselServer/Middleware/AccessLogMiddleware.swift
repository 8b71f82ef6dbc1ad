import EaselCore
import Hummingbird
import Logging

/// One log line per request: method, path, status and duration, with the request id.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        context.logger.info(
            "\(request.method) \(request.uri.path)",
            metadata: [
                "status": "\(response.status.code)",
                "duration_ms": "\(elapsed.wholeMilliseconds)",
            ]
        )
        return response
    }
}
