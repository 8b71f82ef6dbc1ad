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
///   own history), admitted by `GenerationService` like any other: stored `queued` before the
///   upstream call, run when the tenant's concurrency limit and this instance's worker bound
///   allow, answered inline and ended like any other.
/// - Errors, all of them, are Google's shape: `{"error": {"code", "message", "status"}}`.
struct GeminiCompatController {
    let service: GenerationService
    let models: ModelStore
    let upstream: UpstreamCaller
    let auth: AuthService
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

    /// The caller of a Gemini-compatible route: a tenant API key's principal and its tenant.
    struct Caller {
        var principal: Principal
        var tenantID: UUID
    }

    /// The tenant principal of the API key in `x-goog-api-key` or `?key=`.
    func caller(_ request: Request) async throws -> Caller {
        let key = request.headers[HTTPField.Name("x-goog-api-key")!] ?? request.query("key")
        guard let key, !key.isEmpty else {
            throw GoogleError(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."
            )
        }
        let identity: Identity
        do {
            identity = try await auth.identity(apiKey: key)
        } catch let error as AppError where error.status == .unauthorized {
            throw GoogleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key. (\(error.message))")
        }
        guard let tenantID = identity.principal.tenantID else {
            throw GoogleError(403, "PERMISSION_DENIED", "This key belongs to no tenant.")
        }
        return Caller(principal: identity.principal, tenantID: tenantID)
    }

    /// The config `name` names for `tenantID` (see the type's notes), resolved for use today,
    /// with every config the tenant can see.
    func config(named raw: String, tenantID: UUID) async throws -> (model: ModelRecord, visible: [ModelRecord]) {
        let (chosen, configs) = try await find(named: raw, tenantID: tenantID)
        return (try await resolvedForGoogle { try await service.resolve(chosen, tenantID: tenantID) }, configs)
    }

    /// A model that cannot be used today is, to Google's SDKs, a model that is not found.
    func resolvedForGoogle<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AppError where error.code == "model_disabled" || error.code == "model_retired" {
            throw GoogleError(404, "NOT_FOUND", error.message)
        }
    }

    /// The enabled config `name` names for `tenantID`, as stored, with every config the tenant can see.
    func find(named raw: String, tenantID: UUID) async throws -> (model: ModelRecord, visible: [ModelRecord]) {
        let name = (raw.removingPercentEncoding ?? raw).replacingOccurrences(of: "models/", with: "")
        let configs = try await models.listVisible(tenantID: tenantID)
        let chosen =
            configs.first { $0.name.lowercased() == name.lowercased() }
            ?? configs.filter { $0.apiModel == name }.sorted { ($0.tenantID != nil ? 0 : 1) < ($1.tenantID != nil ? 0 : 1) }.first
        guard let chosen else {
            throw GoogleError(
                404,
                "NOT_FOUND",
                "models/\(name) is not found for this key. Call ListModels to see the models your tenant may use."
            )
        }
        guard chosen.enabled else {
            throw GoogleError(404, "NOT_FOUND", "models/\(name) is disabled in Easel. Call ListModels to see the models you may use.")
        }
        return (chosen, configs)
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
            "supportedGenerationMethods": .array([.string("generateContent"), .string("streamGenerateContent"), .string("countTokens")]),
        ])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await caller(request)
        let usable = try await models.listUsable(tenantID: caller.tenantID)
        return try Self.json(JSONValue.object(["models": .array(usable.map { Self.modelView($0, all: usable) })]))
    }

    @Sendable func getModel(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await caller(request)
        let target = try context.parameters.require("target")
        let (model, visible) = try await config(named: target, tenantID: caller.tenantID)
        return try Self.json(Self.modelView(model, all: visible.filter(\.enabled)))
    }

    // MARK: generating

    @Sendable func call(_ request: Request, context: AppRequestContext) async throws -> Response {
        let target = try context.parameters.require("target")
        guard let colon = target.lastIndex(of: ":") else { throw GoogleError(404, "NOT_FOUND", "Method not found: \(target)") }
        let method = String(target[target.index(after: colon)...])
        if method == "countTokens" { return try await countTokens(request, modelName: String(target[..<colon])) }
        guard method == "generateContent" || method == "streamGenerateContent" else {
            throw GoogleError(404, "NOT_FOUND", "Method \(method) is not found; Easel serves generateContent, streamGenerateContent and countTokens.")
        }
        let caller = try await caller(request)
        var body = GenerateContentRequest(contents: [])
        let accepted = try await resolvedForGoogle {
            try await service.submit(by: caller.principal) {
                let model = try await find(named: String(target[..<colon]), tenantID: caller.tenantID).model
                body = try await Self.readBody(request)
                return GenerationService.Draft(
                    model: .config(model),
                    options: Self.options(of: body),
                    images: Self.lastTurnImages(body),
                    inConversation: false,
                    inline: true,
                    requirePrompt: false
                )
            }
        }
        // The model admitted, which may be a retired one's successor.
        let model = accepted.model
        // The config's instruction first, then the client's own.
        if !model.systemInstruction.isEmpty {
            let clientParts = body.systemInstruction?.parts ?? []
            var instruction = body.systemInstruction ?? Content(parts: [])
            instruction.parts = [.text(model.systemInstruction)] + clientParts
            body.systemInstruction = instruction
        }
        // The row is stored: from here on, a failure before the call starts ends it `failed`
        // (`not_started`).
        let route: ModelStore.Route
        do {
            guard let found = try await models.route(model.id) else { throw GoogleError(404, "NOT_FOUND", "models/\(model.name) is gone.") }
            route = found
        } catch {
            await service.worker.endWaiting(accepted.id, tenantID: accepted.tenantID, as: .couldNotStart)
            throw error
        }
        let call = GeminiCompatCall(
            accepted: accepted,
            route: route,
            request: body,
            upstream: upstream,
            worker: service.worker,
            logger: logger
        )
        return method == "generateContent"
            ? try await call.answer()
            : call.stream(sse: request.query("alt") == "sse")
    }

    /// `countTokens`, passed through to the config's route as the client sent it: it is not a
    /// generation, so nothing is stored and no quota is counted, but the caller's rate limits are.
    func countTokens(_ request: Request, modelName: String) async throws -> Response {
        let caller = try await caller(request)
        if let refusal = try await service.rateLimiter.check(caller.principal) {
            throw GoogleError(429, "RESOURCE_EXHAUSTED", refusal.message, retryAfter: refusal.retryAfterSeconds)
        }
        let model = try await config(named: modelName, tenantID: caller.tenantID).model
        let body: JSONValue
        do {
            body = try JSONDecoder().decode(JSONValue.self, from: try await request.body.collect(upTo: Self.maxBodyBytes))
        } catch is NIOTooManyBytesError {
            throw GoogleError(413, "INVALID_ARGUMENT", "Request payload size exceeds the limit: \(Self.maxBodyBytes) bytes.")
        } catch {
            throw GoogleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        }
        guard case .object = body else { throw GoogleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received: expected an object.") }
        guard let route = try await models.route(model.id) else { throw GoogleError(404, "NOT_FOUND", "models/\(model.name) is gone.") }
        let (result, refusal) = await upstream.countTokens(model, route: route, body: body)
        if let refusal { throw GoogleError(403, "PERMISSION_DENIED", refusal.message) }
        switch result {
        case .success(let answer): return try Self.json(answer)
        case .failure(let error): throw GoogleError(upstream: error)
        case nil: throw GoogleError.canceled
        }
    }

    /// The request body in Google's JSON (either casing, unknown fields kept).
    static func readBody(_ request: Request) async throws -> GenerateContentRequest {
        let body: GenerateContentRequest
        do {
            let buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
            // PostgreSQL text cannot hold NUL: refused here, as the JSON API refuses it.
            if Request.containsEscapedNUL(buffer) {
                throw GoogleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Strings must not contain the NUL character (\\u0000).")
            }
            body = try JSONDecoder().decode(GenerateContentRequest.self, from: buffer)
        } catch is NIOTooManyBytesError {
            throw GoogleError(413, "INVALID_ARGUMENT", "Request payload size exceeds the limit: \(Self.maxBodyBytes) bytes.")
        } catch let error as DecodingError {
            throw GoogleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received. \(Request.describe(error))")
        }
        guard !body.contents.isEmpty else {
            throw GoogleError(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified")
        }
        return body
    }

    /// The images of the last user turn: the inputs of this generation, for history. They are
    /// checked as the JSON API checks uploads: by their bytes, at most 15 MB each.
    static func lastTurnImages(_ request: GenerateContentRequest) -> [(image: InputImage, field: String)] {
        guard let index = request.contents.lastIndex(where: { $0.role == nil || $0.role == "user" }) else { return [] }
        return request.contents[index].parts.enumerated().compactMap { partIndex, part in
            guard let inline = part.inlineData else { return nil }
            return (InputImage(mimeType: inline.mimeType, bytes: inline.data), "contents[\(index)].parts[\(partIndex)].inline_data")
        }
    }

    /// What history shows of a Gemini request: the last user turn's text and the options.
    static func options(of request: GenerateContentRequest) -> GenerationOptions {
        let lastUser = request.contents.last { $0.role == nil || $0.role == "user" }
        let prompt = lastUser?.parts.compactMap(\.text).joined(separator: "\n") ?? ""
        let config = request.generationConfig
        let searches = request.tools?.compactMap(\.googleSearch) ?? []
        return GenerationOptions(
            prompt: String(prompt.prefix(32_000)),
            aspectRatio: config?.imageConfig?.aspectRatio,
            imageSize: config?.imageConfig?.imageSize,
            responseModalities: config?.responseModalities?.map { $0.rawValue.uppercased() },
            // Google's SDKs send the level in upper case; capabilities list it in lower case.
            thinkingLevel: config?.thinkingConfig?.thinkingLevel?.lowercased(),
            grounding: searches.contains { $0.searchTypes?.imageSearch == nil || $0.searchTypes?.webSearch != nil },
            imageSearch: searches.contains { $0.searchTypes?.imageSearch != nil },
            // Google's enum is case-insensitive, and `unspecified` is the default.
            serviceTier: request.serviceTier.map { $0.lowercased() }.flatMap { $0 == "unspecified" ? nil : $0 }
        )
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder.google.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=UTF-8"],
            body: .init(byteBuffer: ByteBuffer(data: data))
        )
    }
}
