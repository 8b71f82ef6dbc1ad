import EaselCore
import EaselStore
import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import ImageKit
import NIOCore

/// Generations through the JSON API: accept (stored `queued` before anything else happens),
/// follow, list, cancel.
struct GenerationController {
    let generations: GenerationStore
    let models: ModelStore
    let worker: GenerationWorker
    let rateLimiter: RateLimiter
    static let maxImageBytes = 15 * 1024 * 1024
    static let maxBodyBytes = 64 * 1024 * 1024

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post(use: create)
            .get(use: list)
            .get(":id", use: get)
            .post(":id/cancel", use: cancel)
            .get(":id/events", use: events)
            .get(":id/search-entry-point", use: searchEntryPoint)
    }

    /// An input image: a base64 string (or `data:` URL), or `{"mimeType", "data"}` in JSON; a
    /// file part in a multipart upload.
    struct ImageInput: Decodable {
        var mimeType: String?
        var data: String
        /// The bytes of an uploaded file (no base64).
        var bytes: Data?

        init(mimeType: String?, bytes: Data) {
            self.mimeType = mimeType
            self.data = ""
            self.bytes = bytes
        }

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                data = text
                return
            }
            let c = try decoder.container(keyedBy: Keys.self)
            mimeType = try c.decodeIfPresent(String.self, forKey: .mimeType)
            data = try c.decode(String.self, forKey: .data)
        }

        enum Keys: String, CodingKey { case mimeType, data }
    }

    struct CreateBody: Decodable {
        var modelId: UUID
        var prompt: String?
        var images: [ImageInput]?
        var aspectRatio: String?
        var imageSize: String?
        var responseModalities: [String]?
        var thinkingLevel: String?
        var grounding: Bool?
        /// Continue this conversation from its latest succeeded turn.
        var conversationId: UUID?
        /// Continue from this generation (a branch when it is not the latest turn).
        var parentId: UUID?
        /// Earlier images of the tenant to use as inputs again (before any uploaded ones).
        var inputImageIds: [UUID]?
        /// With `conversationId`: a new first turn in that conversation, replaying nothing.
        var fromStart: Bool?
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<GenerationView> {
        let principal = try context.requirePrincipal()
        guard let tenantID = principal.tenantID else {
            throw AppError(.forbidden, code: "forbidden", message: "Generations belong to a tenant's users; platform admins have no tenant.")
        }
        if let refusal = try await rateLimiter.check(principal) {
            throw AppError(
                .tooManyRequests, code: "rate_limited", message: refusal.message, headers: [.retryAfter: "\(refusal.retryAfterSeconds)"])
        }
        let wait = try Self.waitSeconds(request)
        let body = try await Self.readCreateBody(request, context: context)
        let model = try await Self.resolveModel(body.modelId, tenantID: tenantID, models: models)

        let uploads = try (body.images ?? []).enumerated().map { try Self.decodeImage($1, field: "images[\($0)]") }
        let reused = body.inputImageIds ?? []
        let options = GenerationOptions(
            prompt: (body.prompt ?? "").trimmingWhitespace(), aspectRatio: body.aspectRatio, imageSize: body.imageSize,
            responseModalities: body.responseModalities?.map { $0.uppercased() }, thinkingLevel: body.thinkingLevel?.lowercased(),
            grounding: body.grounding ?? false)
        try options.validate(against: model.capabilities, inputImageCount: uploads.count + reused.count)

        var apiKeyID: UUID? = nil
        if case .apiKey(let id) = principal.credential { apiKeyID = id }
        let id: UUID
        do {
            id = try await generations.enqueue(
                GenerationStore.NewGeneration(
                    tenantID: tenantID, userID: principal.userID, apiKeyID: apiKeyID, modelID: model.id,
                    source: apiKeyID == nil ? "studio" : "api", options: options, uploads: uploads, reusedImageIDs: reused,
                    conversationID: body.conversationId, parentID: body.parentId, fromStart: body.fromStart ?? false))
        } catch let error as GenerationStore.EnqueueError {
            throw Self.appError(error)
        }
        let ticket = worker.signals.register(id)
        defer { worker.signals.unregister(ticket) }
        worker.notify()

        let scope = GenerationScope.of(principal)
        let deadline = ContinuousClock.now + .seconds(wait)
        if wait > 0 {
            // Nothing to read before the worker has taken the job.
            await ticket.signal.wait(timeout: min(.milliseconds(500), deadline - .now))
        }
        var record = try await generations.get(id, scope: scope)!
        while !record.status.isTerminal, ContinuousClock.now < deadline {
            // Woken at once when this instance runs the job; polled when another one does.
            await ticket.signal.wait(timeout: min(.milliseconds(500), deadline - .now))
            record = try await generations.get(id, scope: scope)!
        }
        return EditedResponse(
            status: record.status.isTerminal ? .ok : .accepted, headers: [.location: "/api/v1/generations/\(id.uuidString.lowercased())"],
            response: GenerationView(record))
    }

    /// The model a request names, as the caller's tenant may use it today: unknown and disabled
    /// models are refused, a retired one is replaced by its successor or refused.
    static func resolveModel(_ id: UUID, tenantID: UUID, models: ModelStore) async throws -> ModelRecord {
        guard let model = try await models.usable(id, tenantID: tenantID) else {
            throw AppError(.notFound, code: "unknown_model", message: "No model with id \(id.uuidString.lowercased()) is available to you.", field: "modelId")
        }
        return try await resolve(model, tenantID: tenantID, models: models)
    }

    /// A config the tenant may use, as it may be used today: a disabled one is refused, a retired
    /// one is replaced by its successor or refused.
    static func resolve(_ model: ModelRecord, tenantID: UUID, models: ModelStore) async throws -> ModelRecord {
        var model = model
        guard model.enabled else {
            throw AppError(.conflict, code: "model_disabled", message: "\(model.name) is disabled. Choose another model.", field: "modelId")
        }
        switch ModelLifecycle.decide(
            modelName: model.name, deprecationDate: model.deprecationDate, successorID: model.successorID,
            successorName: try await model.successorID.asyncMap { try await models.usable($0, tenantID: tenantID)?.name } ?? nil,
            today: ModelController.today())
        {
        case .use: break
        case .redirect(let successorID, _):
            guard let successor = try await models.usable(successorID, tenantID: tenantID), successor.enabled else {
                throw AppError(.conflict, code: "model_retired", message: "\(model.name) is retired and its successor is not available.", field: "modelId")
            }
            model = successor
        case .retired(let message):
            throw AppError(.conflict, code: "model_retired", message: message, field: "modelId")
        }
        return model
    }

    static func appError(_ error: GenerationStore.EnqueueError) -> AppError {
        switch error {
        case .conversationNotFound:
            return AppError(.notFound, code: "unknown_conversation", message: "No conversation with that id is yours.", field: "conversationId")
        case .parentNotFound:
            return AppError(.notFound, code: "unknown_generation", message: "No generation of yours has that id.", field: "parentId")
        case .parentNotFinished(let status):
            return AppError(
                .conflict, code: "parent_not_succeeded",
                message: "A turn can only continue from a succeeded generation; that one is \(status.rawValue).", field: "parentId")
        case .imageNotFound(let index):
            return AppError(.notFound, code: "unknown_image", message: "No image of your tenant has that id.", field: "inputImageIds[\(index)]")
        case .quotaExceeded(let refusal):
            return AppError(
                .tooManyRequests, code: QuotaMessage.code(refusal), message: QuotaMessage.text(refusal),
                headers: [.retryAfter: "\(QuotaMessage.retryAfterSeconds(refusal))"])
        }
    }

    /// The body of a create request: JSON, or `multipart/form-data` with the same field names
    /// and the images as file parts named `images`.
    static func readCreateBody(_ request: Request, context: AppRequestContext) async throws -> CreateBody {
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("multipart/form-data") else {
            return try await request.decodeJSON(as: CreateBody.self, context: context, maxBytes: maxBodyBytes)
        }
        guard let boundary = MultipartUpload.boundary(contentType) else {
            throw AppError.badRequest("multipart/form-data needs a boundary parameter in Content-Type.", code: "invalid_multipart")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw AppError(.contentTooLarge, code: "payload_too_large", message: "The request body is larger than \(maxBodyBytes) bytes.")
        }
        let form = try MultipartUpload.parse(buffer, boundary: boundary)
        func uuid(_ name: String, _ text: String) throws -> UUID {
            guard let id = UUID(uuidString: text.trimmingWhitespace()) else {
                throw AppError.validation(ValidationError(field: name, message: "is not a UUID"))
            }
            return id
        }
        guard let model = form.text("modelId") else {
            throw AppError.validation(ValidationError(field: "modelId", message: "is required"))
        }
        var body = CreateBody(modelId: try uuid("modelId", model))
        body.prompt = form.text("prompt")
        body.aspectRatio = form.text("aspectRatio")
        body.imageSize = form.text("imageSize")
        body.thinkingLevel = form.text("thinkingLevel")
        let modalities = form.texts("responseModalities").flatMap { $0.split(separator: ",").map { String($0).trimmingWhitespace() } }
        body.responseModalities = modalities.isEmpty ? nil : modalities
        if let grounding = form.text("grounding")?.lowercased() {
            guard ["true", "false", "on", "off", "1", "0"].contains(grounding) else {
                throw AppError.validation(ValidationError(field: "grounding", message: "must be true or false"))
            }
            body.grounding = ["true", "on", "1"].contains(grounding)
        }
        body.conversationId = try form.text("conversationId").map { try uuid("conversationId", $0) }
        body.parentId = try form.text("parentId").map { try uuid("parentId", $0) }
        body.fromStart = form.text("fromStart").map { ["true", "on", "1"].contains($0.lowercased()) }
        let reused = try form.texts("inputImageIds").flatMap { $0.split(separator: ",") }.map { try uuid("inputImageIds", String($0)) }
        body.inputImageIds = reused.isEmpty ? nil : reused
        let files = form.files("images")
        body.images = files.isEmpty ? nil : files.map { ImageInput(mimeType: $0.contentType, bytes: $0.data) }
        return body
    }

    static func waitSeconds(_ request: Request) throws -> Int {
        guard let raw = request.uri.queryParameters.get("wait") else { return 0 }
        guard let seconds = Int(raw), (0...120).contains(seconds) else {
            throw AppError.badRequest("wait must be a whole number of seconds from 0 to 120.", code: "invalid_field")
        }
        return seconds
    }

    /// Decodes and checks one input image by its bytes, whatever it claims to be.
    static func decodeImage(_ input: ImageInput, field: String) throws -> GenerationStore.ImageData {
        var declared = input.mimeType
        let tooLarge = AppError(
            .contentTooLarge, code: "image_too_large", message: "\(field) is larger than \(maxImageBytes / 1024 / 1024) MB.", field: field)
        let data: Data
        if let bytes = input.bytes {
            guard bytes.count <= maxImageBytes else { throw tooLarge }
            guard !bytes.isEmpty else { throw AppError.validation(ValidationError(field: field, message: "is an empty file")) }
            // Browsers send what they do not recognise as application/octet-stream: judge by the bytes.
            if declared?.lowercased() == "application/octet-stream" { declared = nil }
            data = bytes
        } else {
            var text = input.data
            if text.hasPrefix("data:"), let comma = text.firstIndex(of: ",") {
                let header = text[text.index(text.startIndex, offsetBy: 5)..<comma]
                declared = declared ?? header.split(separator: ";").first.map(String.init)
                text = String(text[text.index(after: comma)...])
            }
            guard text.utf8.count <= (maxImageBytes / 3 + 1) * 4 else { throw tooLarge }
            guard let decoded = Base64.decode(text), !decoded.isEmpty else {
                throw AppError.validation(ValidationError(field: field, message: "is not base64"))
            }
            guard decoded.count <= maxImageBytes else { throw tooLarge }
            data = decoded
        }
        guard let info = ImageInfo.read(data) else {
            throw AppError(
                .unsupportedMediaType, code: "unsupported_image",
                message: "\(field) is not a PNG, JPEG, WebP or HEIC/HEIF image (judged by its bytes).", field: field)
        }
        if let declared, declared.lowercased() != info.format.mimeType,
            !(info.format == .jpeg && declared.lowercased() == "image/jpg")
        {
            throw AppError.validation(
                ValidationError(field: field, message: "is declared \(declared) but its bytes are \(info.format.rawValue.uppercased())"))
        }
        return GenerationStore.ImageData(data: data, mimeType: info.format.mimeType, width: info.width, height: info.height)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> GenerationView {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "generation")
        guard let record = try await generations.get(id, scope: .of(principal)) else {
            throw AppError.notFound("No generation with that id.")
        }
        return GenerationView(record)
    }

    /// Server-sent events: one `event: <status>` with the generation as `data` whenever its status
    /// changes, `event: progress` when the model has streamed more text, ending after the
    /// terminal one. It reads the database, so it follows a job that
    /// another instance runs.
    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "generation")
        let scope = GenerationScope.of(principal)
        guard try await generations.get(id, scope: scope) != nil else { throw AppError.notFound("No generation with that id.") }
        let generations = self.generations
        let signals = worker.signals
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: .init { writer in
                let ticket = signals.register(id)
                defer { signals.unregister(ticket) }
                var last: GenerationStatus?
                var lastText: String?
                var lastWrite = ContinuousClock.now
                let deadline = ContinuousClock.now + .seconds(15 * 60)
                while ContinuousClock.now < deadline {
                    guard let record = try await generations.get(id, scope: scope) else { break }
                    if record.status != last {
                        let json = try JSONEncoder.api.encode(GenerationView(record))
                        var buffer = ByteBuffer(string: "event: \(record.status.rawValue)\ndata: ")
                        buffer.writeBytes(json)
                        buffer.writeString("\n\n")
                        try await writer.write(buffer)
                        last = record.status
                        lastWrite = .now
                        if record.status.isTerminal { break }
                    } else if record.status == .running, let text = record.partialText, text != lastText {
                        // Text the model has written so far.
                        let json = try JSONEncoder.api.encode(GenerationView(record))
                        var buffer = ByteBuffer(string: "event: progress\ndata: ")
                        buffer.writeBytes(json)
                        buffer.writeString("\n\n")
                        try await writer.write(buffer)
                        lastText = text
                        lastWrite = .now
                    } else if ContinuousClock.now - lastWrite > .seconds(15) {
                        // A comment keeps proxies from closing a quiet stream.
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        lastWrite = .now
                    }
                    await ticket.signal.wait(timeout: .milliseconds(500))
                    try Task.checkCancellation()
                }
                try await writer.finish(nil)
            })
    }

    /// Google's search entry point for a grounded result, which its display rules require to be
    /// shown as sent. It is Google's HTML and CSS, so it is served alone, sandboxed (no script,
    /// no same-origin access), to be framed by the console only.
    @Sendable func searchEntryPoint(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "generation")
        guard let record = try await generations.get(id, scope: .of(principal)) else {
            throw AppError.notFound("No generation with that id.")
        }
        guard let html = GenerationView.GroundingView(json: record.groundingJSON)?.searchEntryPointHtml else {
            throw AppError(.notFound, code: "no_search_entry_point", message: "This generation was not grounded with Google Search.")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox",
                HTTPField.Name("X-Frame-Options")!: "SAMEORIGIN",
                .cacheControl: "private, max-age=3600",
            ],
            body: .init(byteBuffer: ByteBuffer(string: "<!doctype html><meta charset=\"utf-8\"><base target=\"_blank\">" + html)))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> PageView<GenerationView> {
        let principal = try context.requirePrincipal()
        let page = try PageRequest(request)
        let result = try await generations.list(
            scope: .of(principal), filter: try Self.filter(request), limit: page.limit, before: page.cursor)
        return PageView(items: result.items.map(GenerationView.init), nextCursor: result.nextCursor)
    }

    /// `?modelId=&status=&userId=&from=&to=&q=`; dates as ISO-8601 (`2026-11-01` or a full time).
    static func filter(_ request: Request) throws -> GenerationFilter {
        var filter = GenerationFilter(
            modelID: try request.uuidQuery("modelId"), userID: try request.uuidQuery("userId"), from: try request.dateQuery("from"),
            to: try request.dateQuery("to"))
        if let status = request.query("status") {
            guard let parsed = GenerationStatus(rawValue: status) else {
                throw AppError.validation(
                    ValidationError(field: "status", message: "must be one of \(GenerationStatus.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            filter.status = parsed
        }
        if let text = request.query("q") {
            guard text.count <= 200 else { throw AppError.validation(ValidationError(field: "q", message: "must be at most 200 characters")) }
            filter.text = text
        }
        if let from = filter.from, let to = filter.to, from >= to {
            throw AppError.validation(ValidationError(field: "to", message: "must be after from"))
        }
        return filter
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> GenerationView {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "generation")
        switch try await generations.cancel(id, scope: .of(principal)) {
        case .notFound: throw AppError.notFound("No generation with that id.")
        case .alreadyFinished:
            throw AppError(.conflict, code: "already_finished", message: "This generation has already finished.")
        case .canceled, .requested:
            return GenerationView(try await generations.get(id, scope: .of(principal))!)
        }
    }
}

/// A generation as the API shows it.
struct GenerationView: ResponseEncodable {
    var record: GenerationRecord

    init(_ record: GenerationRecord) { self.record = record }

    struct ImageView: Encodable {
        var id: UUID
        var url: String
        var previewUrl: String
        var mimeType: String
        var width: Int?
        var height: Int?

        init(_ image: GenerationRecord.Image) {
            id = image.id
            url = "/api/v1/images/\(image.id.uuidString.lowercased())"
            previewUrl = url + "/preview"
            mimeType = image.mimeType
            width = image.width
            height = image.height
        }
    }

    /// Grounding as the console shows it: the searches, the sources as links, and Google's
    /// search entry point (HTML that Google's display rules require to be shown as sent).
    struct GroundingView: Encodable {
        struct Source: Encodable {
            var kind: String
            var title: String?
            var uri: String
            var imageUri: String?
        }

        var webSearchQueries: [String]
        var imageSearchQueries: [String]
        var sources: [Source]
        var searchEntryPointHtml: String?

        init?(json: String?) {
            guard let json, let metadata = try? JSONDecoder().decode(GroundingMetadata.self, from: Data(json.utf8)) else { return nil }
            webSearchQueries = metadata.webSearchQueries ?? []
            imageSearchQueries = metadata.imageSearchQueries ?? []
            sources = (metadata.groundingChunks ?? []).compactMap { chunk in
                if let web = chunk.web, let uri = web.uri { return Source(kind: "web", title: web.title, uri: uri) }
                if let image = chunk.image, let uri = image.uri { return Source(kind: "image", title: image.title, uri: uri, imageUri: image.imageUri) }
                return nil
            }
            searchEntryPointHtml = metadata.searchEntryPoint?.renderedContent
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.status, forKey: .status)
        try c.encode(record.modelID, forKey: .modelId)
        try c.encode(record.modelName, forKey: .modelName)
        try c.encode(record.userID, forKey: .userId)
        try c.encode(record.userEmail, forKey: .userEmail)
        try c.encode(record.conversationID, forKey: .conversationId)
        try c.encode(record.parentID, forKey: .parentId)
        try c.encode(record.source, forKey: .source)
        try c.encode(record.options.prompt, forKey: .prompt)
        try c.encode(record.options.aspectRatio, forKey: .aspectRatio)
        try c.encode(record.options.imageSize, forKey: .imageSize)
        try c.encode(record.options.responseModalities, forKey: .responseModalities)
        try c.encode(record.options.thinkingLevel, forKey: .thinkingLevel)
        try c.encode(record.options.grounding, forKey: .grounding)
        try c.encode(record.options.inputImageIds, forKey: .inputImageIds)
        try c.encode(record.options.inputImageIds.map { "/api/v1/images/\($0.uuidString.lowercased())" }, forKey: .inputImages)
        // While it runs, the text streamed so far.
        try c.encode(record.responseText ?? record.partialText, forKey: .text)
        try c.encode(record.outputs.map(ImageView.init), forKey: .images)
        // More than `images` when the tenant's retention period has removed them.
        try c.encode(record.imageCount, forKey: .imageCount)
        try c.encode(GroundingView(json: record.groundingJSON), forKey: .groundingSources)
        try c.encode(
            ["promptTokens": record.promptTokens, "promptImageTokens": record.promptImageTokens, "outputTokens": record.outputTokens,
             "imageTokens": record.imageTokens,
             "thoughtTokens": record.thoughtTokens, "totalTokens": record.totalTokens], forKey: .usage)
        try c.encode(record.costMicros.map { Double($0) / 1_000_000 }, forKey: .costUsd)
        try c.encode(record.attempts, forKey: .attempts)
        try c.encode(record.upstreamHost, forKey: .upstreamHost)
        try c.encode(record.latencyMs, forKey: .latencyMs)
        try c.encode(record.honoredImageConfig, forKey: .honoredImageConfig)
        try c.encode(record.blockReason, forKey: .blockReason)
        try c.encode(record.finishReason, forKey: .finishReason)
        let error: [String: String]? = record.status == .failed || record.status == .blocked
            ? ["code": record.errorCode ?? record.blockReason ?? "failed", "message": record.errorMessage ?? ""] : nil
        try c.encode(error, forKey: .error)
        try c.encode(record.createdAt, forKey: .createdAt)
        try c.encode(record.startedAt, forKey: .startedAt)
        try c.encode(record.finishedAt, forKey: .finishedAt)
    }

    enum Keys: String, CodingKey {
        case id, status, modelId, modelName, userId, userEmail, conversationId, parentId, source, prompt, aspectRatio, imageSize
        case responseModalities, thinkingLevel, grounding, inputImageIds, inputImages, text, images, imageCount, groundingSources, usage, costUsd
        case attempts
        case upstreamHost
        case latencyMs, honoredImageConfig, blockReason, finishReason, error, createdAt, startedAt, finishedAt
    }
}

/// Image bytes, only to the owning tenant, cached for good (an id's bytes never change).
struct ImageController {
    let generations: GenerationStore

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(":id", use: original)
            .get(":id/preview", use: preview)
    }

    /// The longer side of gallery previews.
    static let previewSide = 512

    @Sendable func original(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "image")
        guard let image = try await generations.image(id, tenantID: principal.tenantID) else {
            throw AppError.notFound("No image with that id.")
        }
        return Self.cached(request, data: image.data, mimeType: image.mimeType, etag: image.sha256)
    }

    /// A PNG at most 512 px on its longer side, made on first request (off the generation's
    /// path) and kept; the original when it is that small already or is not a PNG (JPEG, WebP
    /// and HEIC are not decoded on the server).
    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "image")
        guard let source = try await generations.previewSource(id, tenantID: principal.tenantID) else {
            throw AppError.notFound("No image with that id.")
        }
        if let preview = source.preview {
            return Self.cached(request, data: preview, mimeType: "image/png", etag: source.sha256 + "-preview")
        }
        guard let original = source.original else { throw AppError.notFound("No image with that id.") }
        if source.mimeType == "image/png", max(source.width ?? 0, source.height ?? 0) > Self.previewSide,
            let png = Thumbnail.png(from: Data(buffer: original), maxSide: Self.previewSide)
        {
            try await generations.storePreview(id, png: png)
            return Self.cached(request, data: ByteBuffer(data: png), mimeType: "image/png", etag: source.sha256 + "-preview")
        }
        return Self.cached(request, data: original, mimeType: source.mimeType, etag: source.sha256)
    }

    /// Image bytes with a strong ETag and immutable caching (an id's bytes never change).
    static func cached(_ request: Request, data: ByteBuffer, mimeType: String, etag tag: String) -> Response {
        let etag = "\"\(tag)\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "private, max-age=31536000, immutable"]
        if request.headers[.ifNoneMatch]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) == true {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = mimeType
        headers[.contentLength] = "\(data.readableBytes)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: data))
    }
}
