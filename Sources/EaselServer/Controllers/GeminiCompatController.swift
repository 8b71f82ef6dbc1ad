import EaselCore
import EaselStore
import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Google's Gemini REST surface, so Google's own SDKs work against Easel with only their base URL
/// and key changed: `models/{model}:generateContent`, `:streamGenerateContent`, and the model
/// list, under `/v1beta` and `/v1` (recent SDKs default to the latter).
///
/// - The key is a tenant API key, sent as `x-goog-api-key` or `?key=`.
/// - `{model}` names a model config the key's tenant may use: a config whose display name is
///   `{model}` wins; otherwise the config whose API model name is `{model}` (the tenant's own
///   before a platform-wide one, then by group and sort order).
/// - The request is forwarded as read (unknown fields included); the config's system instruction
///   is put before the client's own instruction parts, and its route (base URL and token) is used.
/// - Every call is a generation (source `api`, outside any conversation: SDK clients keep their
///   own history), stored `running` before the upstream call and ended like any other.
/// - Errors, all of them, are Google's shape: `{"error": {"code", "message", "status"}}`.
struct GeminiCompatController {
    let generations: GenerationStore
    let models: ModelStore
    let worker: GenerationWorker
    let rateLimiter: RateLimiter
    let auth: AuthService
    let gemini: GeminiClient
    let platformEndpoint: GeminiEndpoint
    let callTimeout: Duration
    let logger: Logger
    static let maxBodyBytes = 64 * 1024 * 1024

    func addRoutes(to router: Router<AppRequestContext>) {
        for version in ["v1beta", "v1"] {
            let group = router.group(RouterPath(version)).add(middleware: GoogleErrorMiddleware(logger: logger))
            group.get("models", use: list)
            group.get("models/:target", use: getModel)
            group.post("models/:target", use: call)
        }
    }

    // MARK: callers and models

    /// The tenant principal of the API key in `x-goog-api-key` or `?key=`.
    func principal(_ request: Request) async throws -> Principal {
        let key = request.headers[HTTPField.Name("x-goog-api-key")!] ?? request.query("key")
        guard let key, !key.isEmpty else {
            throw GoogleError(
                403, "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
        }
        let identity: Identity
        do {
            identity = try await auth.identity(apiKey: key)
        } catch let error as AppError where error.status == .unauthorized {
            throw GoogleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key. (\(error.message))")
        }
        guard identity.principal.tenantID != nil else {
            throw GoogleError(403, "PERMISSION_DENIED", "This key belongs to no tenant.")
        }
        return identity.principal
    }

    /// The config `name` names for `tenantID` (see the type's notes), resolved for use today,
    /// with every config the tenant can see.
    func config(named raw: String, tenantID: UUID) async throws -> (model: ModelRecord, visible: [ModelRecord]) {
        let name = (raw.removingPercentEncoding ?? raw).replacingOccurrences(of: "models/", with: "")
        let configs = try await models.listVisible(tenantID: tenantID)
        let chosen =
            configs.first { $0.name.lowercased() == name.lowercased() }
            ?? configs.filter { $0.apiModel == name }.sorted { ($0.tenantID != nil ? 0 : 1) < ($1.tenantID != nil ? 0 : 1) }.first
        guard let chosen else {
            throw GoogleError(
                404, "NOT_FOUND",
                "models/\(name) is not found for this key. Call ListModels to see the models your tenant may use.")
        }
        guard chosen.enabled else {
            throw GoogleError(404, "NOT_FOUND", "models/\(name) is disabled in Easel. Call ListModels to see the models you may use.")
        }
        do {
            return (try await GenerationController.resolve(chosen, tenantID: tenantID, models: models), configs)
        } catch let error as AppError {
            throw GoogleError(404, "NOT_FOUND", error.message)
        }
    }

    /// A model in Google's shape. Its name is the API model name when that is unambiguous for
    /// the tenant, else the display name; either calls it.
    static func modelView(_ model: ModelRecord, all: [ModelRecord]) -> JSONValue {
        let unique = all.filter { $0.apiModel == model.apiModel }.count == 1
        return .object([
            "name": .string("models/" + (unique ? model.apiModel : model.name)),
            "baseModelId": .string(model.apiModel),
            "version": .string("easel"),
            "displayName": .string(model.name),
            "description": .string(model.description),
            "supportedGenerationMethods": .array([.string("generateContent"), .string("streamGenerateContent")]),
        ])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try await principal(request)
        let usable = try await models.listUsable(tenantID: principal.tenantID!)
        return try Self.json(JSONValue.object(["models": .array(usable.map { Self.modelView($0, all: usable) })]))
    }

    @Sendable func getModel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try await principal(request)
        let target = try context.parameters.require("target")
        let (model, visible) = try await config(named: target, tenantID: principal.tenantID!)
        return try Self.json(Self.modelView(model, all: visible.filter(\.enabled)))
    }

    // MARK: generating

    @Sendable func call(_ request: Request, context: AppRequestContext) async throws -> Response {
        let target = try context.parameters.require("target")
        guard let colon = target.lastIndex(of: ":") else { throw GoogleError(404, "NOT_FOUND", "Method not found: \(target)") }
        let method = String(target[target.index(after: colon)...])
        guard method == "generateContent" || method == "streamGenerateContent" else {
            throw GoogleError(404, "NOT_FOUND", "Method \(method) is not found; Easel serves generateContent and streamGenerateContent.")
        }
        let principal = try await principal(request)
        if let refusal = try await rateLimiter.check(principal) {
            throw GoogleError(429, "RESOURCE_EXHAUSTED", refusal.message, retryAfter: refusal.retryAfterSeconds)
        }
        let tenantID = principal.tenantID!
        let model = try await config(named: String(target[..<colon]), tenantID: tenantID).model

        var body: GenerateContentRequest
        do {
            let buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
            body = try JSONDecoder().decode(GenerateContentRequest.self, from: buffer)
        } catch is NIOTooManyBytesError {
            throw GoogleError(413, "INVALID_ARGUMENT", "Request payload size exceeds the limit: \(Self.maxBodyBytes) bytes.")
        } catch let error as DecodingError {
            throw GoogleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received. \(Request.describe(error))")
        }
        guard !body.contents.isEmpty else {
            throw GoogleError(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified")
        }
        let uploads = try Self.lastTurnImages(body)

        // The config's instruction first, then the client's own.
        if !model.systemInstruction.isEmpty {
            let clientParts = body.systemInstruction?.parts ?? []
            var instruction = body.systemInstruction ?? Content(parts: [])
            instruction.parts = [.text(model.systemInstruction)] + clientParts
            body.systemInstruction = instruction
        }
        guard let route = try await models.route(model.id) else { throw GoogleError(404, "NOT_FOUND", "models/\(model.name) is gone.") }
        let endpoint = UpstreamRoute.endpoint(for: route, platform: platformEndpoint)
        let options = Self.options(of: body)

        var apiKeyID: UUID? = nil
        if case .apiKey(let id) = principal.credential { apiKeyID = id }
        var new = GenerationStore.NewGeneration(
            tenantID: tenantID, userID: principal.userID, apiKeyID: apiKeyID, modelID: model.id, source: "api", options: options,
            uploads: uploads)
        new.inConversation = false
        new.runningUnder = (worker.owner, worker.lease)
        let id: UUID
        do {
            id = try await generations.enqueue(new)
        } catch GenerationStore.EnqueueError.quotaExceeded(let refusal) {
            throw GoogleError(429, "RESOURCE_EXHAUSTED", QuotaMessage.text(refusal), retryAfter: QuotaMessage.retryAfterSeconds(refusal))
        }

        let call = UpstreamCall(
            id: id, tenantID: tenantID, apiModel: model.apiModel, request: body, endpoint: endpoint, options: options,
            timeout: callTimeout, gemini: gemini, generations: generations, worker: worker, logger: logger)
        return method == "generateContent"
            ? try await call.answer()
            : call.stream(sse: request.query("alt") == "sse")
    }

    /// The images of the last user turn: the inputs of this generation, for history.
    static func lastTurnImages(_ request: GenerateContentRequest) throws -> [GenerationStore.ImageData] {
        guard let index = request.contents.lastIndex(where: { $0.role == nil || $0.role == "user" }) else { return [] }
        // Checked as the JSON API checks uploads: by their bytes, at most 15 MB each.
        return try request.contents[index].parts.enumerated().compactMap { partIndex, part in
            guard let inline = part.inlineData else { return nil }
            return try GenerationController.decodeImage(
                .init(mimeType: inline.mimeType, bytes: inline.data), field: "contents[\(index)].parts[\(partIndex)].inline_data")
        }
    }

    /// What history shows of a Gemini request: the last user turn's text and the options.
    static func options(of request: GenerateContentRequest) -> GenerationOptions {
        let lastUser = request.contents.last { $0.role == nil || $0.role == "user" }
        let prompt = lastUser?.parts.compactMap(\.text).joined(separator: "\n") ?? ""
        let config = request.generationConfig
        return GenerationOptions(
            prompt: String(prompt.prefix(32_000)), aspectRatio: config?.imageConfig?.aspectRatio, imageSize: config?.imageConfig?.imageSize,
            responseModalities: config?.responseModalities?.map { $0.rawValue.uppercased() },
            thinkingLevel: config?.thinkingConfig?.thinkingLevel,
            grounding: request.tools?.contains { $0.googleSearch != nil } ?? false)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.google.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
}

/// One forwarded call, from the upstream request to the stored end.
struct UpstreamCall: Sendable {
    let id: UUID
    let tenantID: UUID
    let apiModel: String
    let request: GenerateContentRequest
    let endpoint: GeminiEndpoint
    let options: GenerationOptions
    let timeout: Duration
    let gemini: GeminiClient
    let generations: GenerationStore
    let worker: GenerationWorker
    let logger: Logger

    /// `generateContent`: the whole answer, re-encoded from what Google sent (unknown fields kept).
    func answer() async throws -> Response {
        let started = ContinuousClock.now
        let outcome: Result<GeminiClient.Result, GeminiError> = await worker.runInlineResult(id) { [self] in
            do {
                return .success(try await gemini.generateContent(model: apiModel, request: request, endpoint: endpoint, options: .init(timeout: timeout)))
            } catch let error as GeminiError {
                return .failure(error)
            } catch {
                return .failure(GeminiError(.transport("\(error)"), attempts: []))
            }
        }
        switch outcome {
        case .success(let result):
            await store(GenerationOutcomeMapper.finish(
                result.response, attempts: result.attempts, host: endpoint.host, latency: .now - started, options: options, apiModel: apiModel))
            return try GeminiCompatController.json(result.response)
        case .failure(let error):
            if Task.isCancelled {
                // The client went away (or the user canceled it): nothing was delivered.
                var canceled = GenerationStore.Finish(status: .canceled, attempts: error.attempts.count)
                canceled.upstreamHost = endpoint.host
                await store(canceled)
            } else {
                await store(GenerationWorker.failure(error.attempts, kind: error.kind, message: error.message, host: endpoint.host, started: started))
            }
            throw GoogleError(upstream: error)
        }
    }

    /// `streamGenerateContent`: each chunk is passed on as it arrives (SSE with `alt=sse`, else
    /// a JSON array written element by element); the merged answer is stored at the end.
    func stream(sse: Bool) -> Response {
        let (events, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let started = ContinuousClock.now
        // Not a child of the response: a client that leaves cancels the upstream call through
        // the body's cancellation below, but the end is still stored.
        let work = Task { [self] in
            let finish: GenerationStore.Finish = await worker.runInlineResult(id) { [self] in
                var chunks: [GenerateContentResponse] = []
                var attempts: [GeminiAttempt] = []
                do {
                    let stream = try await gemini.streamGenerateContent(
                        model: apiModel, request: request, endpoint: endpoint, options: .init(timeout: timeout))
                    attempts = stream.attempts
                    var first = true
                    for try await chunk in stream {
                        chunks.append(chunk)
                        var buffer = ByteBuffer(string: sse ? "data: " : (first ? "[" : ",\r\n"))
                        buffer.writeBytes(try JSONEncoder.google.encode(chunk))
                        if sse { buffer.writeString("\r\n\r\n") }
                        continuation.yield(buffer)
                        first = false
                    }
                    if !sse { continuation.yield(ByteBuffer(string: first ? "[]" : "]")) }
                    return GenerationOutcomeMapper.finish(
                        .merge(chunks), attempts: attempts, host: endpoint.host, latency: .now - started, options: options, apiModel: apiModel)
                } catch let error as GeminiError {
                    if chunks.isEmpty {
                        // Nothing sent yet: the client gets Google's error as the only event.
                        let google = GoogleError(upstream: error)
                        var buffer = ByteBuffer(string: sse ? "data: " : "[")
                        buffer.writeBytes(google.body)
                        buffer.writeString(sse ? "\r\n\r\n" : "]")
                        continuation.yield(buffer)
                    }
                    return GenerationWorker.failure(
                        error.attempts.isEmpty ? attempts : error.attempts, kind: error.kind, message: error.message, host: endpoint.host,
                        started: started)
                } catch {
                    var canceled = GenerationStore.Finish(status: .canceled, attempts: attempts.count)
                    canceled.upstreamHost = endpoint.host
                    return canceled
                }
            }
            // Stored before the stream ends, so a client that looks at its history next finds it.
            await store(finish)
            continuation.finish()
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
            })
    }

    /// Stores the end in a task of its own, so a caller that is being cancelled still records it.
    func store(_ finish: GenerationStore.Finish) async {
        let generations = self.generations, id = self.id, tenantID = self.tenantID, owner = worker.owner, logger = self.logger
        let signals = worker.signals
        await Task {
            do {
                try await generations.finish(id, tenantID: tenantID, owner: owner, finish)
                signals.signal(id)
            } catch {
                logger.error("storing a Gemini-compatible call failed", metadata: ["generation": "\(id)", "error": "\(PostgresErrorMessage.describe(error))"])
            }
        }.value
    }
}

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

    static func status(for code: Int) -> String {
        switch code {
        case 400, 413, 415: return "INVALID_ARGUMENT"
        case 401: return "UNAUTHENTICATED"
        case 403: return "PERMISSION_DENIED"
        case 404: return "NOT_FOUND"
        case 409: return "ABORTED"
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

/// Turns every failure on the Gemini-compatible routes into Google's error shape, so SDKs raise
/// their usual exceptions.
struct GoogleErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as GoogleError {
            return error.response
        } catch let error as AppError {
            return GoogleError(Int(error.status.code), GoogleError.status(for: Int(error.status.code)), error.message).response
        } catch let error as HTTPError {
            let code = Int(error.status.code)
            return GoogleError(code, GoogleError.status(for: code), error.body ?? error.status.reasonPhrase).response
        } catch {
            logger.error("Gemini-compatible request failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
            return GoogleError(500, "INTERNAL", "An internal error has occurred.").response
        }
    }
}
