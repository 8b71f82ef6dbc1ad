import EaselCore
import EaselStore
import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import NIOCore

/// Generations through the JSON API: accept (stored `queued` before anything else happens),
/// follow, list, cancel.
struct GenerationController {
    let generations: GenerationStore
    let models: ModelStore
    let worker: GenerationWorker
    static let maxImageBytes = 15 * 1024 * 1024
    static let maxBodyBytes = 64 * 1024 * 1024

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post(use: create)
            .get(use: list)
            .get(":id", use: get)
            .post(":id/cancel", use: cancel)
            .get(":id/events", use: events)
    }

    /// An input image: a base64 string (or `data:` URL), or `{"mimeType", "data"}`.
    struct ImageInput: Decodable {
        var mimeType: String?
        var data: String

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
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<GenerationView> {
        let principal = try context.requirePrincipal()
        guard let tenantID = principal.tenantID else {
            throw AppError(.forbidden, code: "forbidden", message: "Generations belong to a tenant's users; platform admins have no tenant.")
        }
        let wait = try Self.waitSeconds(request)
        let body = try await request.decodeJSON(as: CreateBody.self, context: context, maxBytes: Self.maxBodyBytes)
        guard var model = try await models.usable(body.modelId, tenantID: tenantID) else {
            throw AppError(.notFound, code: "unknown_model", message: "No model with id \(body.modelId.uuidString.lowercased()) is available to you.", field: "modelId")
        }
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

        let inputs = try (body.images ?? []).enumerated().map { try Self.decodeImage($1, index: $0) }
        let options = GenerationOptions(
            prompt: (body.prompt ?? "").trimmingWhitespace(), aspectRatio: body.aspectRatio, imageSize: body.imageSize,
            responseModalities: body.responseModalities?.map { $0.uppercased() }, thinkingLevel: body.thinkingLevel?.lowercased(),
            grounding: body.grounding ?? false)
        try options.validate(against: model.capabilities, inputImageCount: inputs.count)

        var apiKeyID: UUID? = nil
        if case .apiKey(let id) = principal.credential { apiKeyID = id }
        let id = try await generations.enqueue(
            tenantID: tenantID, userID: principal.userID, apiKeyID: apiKeyID, modelID: model.id,
            source: apiKeyID == nil ? "studio" : "api", options: options, inputs: inputs)
        worker.notify()

        let scope = GenerationScope.of(principal)
        var record = try await generations.get(id, scope: scope)!
        let deadline = ContinuousClock.now + .seconds(wait)
        while !record.status.isTerminal, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            record = try await generations.get(id, scope: scope)!
        }
        return EditedResponse(
            status: record.status.isTerminal ? .ok : .accepted, headers: [.location: "/api/v1/generations/\(id.uuidString.lowercased())"],
            response: GenerationView(record))
    }

    static func waitSeconds(_ request: Request) throws -> Int {
        guard let raw = request.uri.queryParameters.get("wait") else { return 0 }
        guard let seconds = Int(raw), (0...120).contains(seconds) else {
            throw AppError.badRequest("wait must be a whole number of seconds from 0 to 120.", code: "invalid_field")
        }
        return seconds
    }

    /// Decodes and checks one input image by its bytes, whatever it claims to be.
    static func decodeImage(_ input: ImageInput, index: Int) throws -> GenerationStore.ImageData {
        let field = "images[\(index)]"
        var text = input.data
        var declared = input.mimeType
        if text.hasPrefix("data:"), let comma = text.firstIndex(of: ",") {
            let header = text[text.index(text.startIndex, offsetBy: 5)..<comma]
            declared = declared ?? header.split(separator: ";").first.map(String.init)
            text = String(text[text.index(after: comma)...])
        }
        guard text.utf8.count <= (maxImageBytes / 3 + 1) * 4 else {
            throw AppError(.contentTooLarge, code: "image_too_large", message: "\(field) is larger than \(maxImageBytes / 1024 / 1024) MB.", field: field)
        }
        guard let data = Base64.decode(text), !data.isEmpty else {
            throw AppError.validation(ValidationError(field: field, message: "is not base64"))
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
    /// changes, ending after the terminal one. It reads the database, so it follows a job that
    /// another instance runs.
    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "generation")
        let scope = GenerationScope.of(principal)
        guard try await generations.get(id, scope: scope) != nil else { throw AppError.notFound("No generation with that id.") }
        let generations = self.generations
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: .init { writer in
                var last: GenerationStatus?
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
                    } else if ContinuousClock.now - lastWrite > .seconds(15) {
                        // A comment keeps proxies from closing a quiet stream.
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        lastWrite = .now
                    }
                    try await Task.sleep(for: .milliseconds(250))
                }
                try await writer.finish(nil)
            })
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> PageView<GenerationView> {
        let principal = try context.requirePrincipal()
        let page = try PageRequest(request)
        let result = try await generations.list(scope: .of(principal), limit: page.limit, before: page.cursor)
        return PageView(items: result.items.map(GenerationView.init), nextCursor: result.nextCursor)
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
        var mimeType: String
        var width: Int?
        var height: Int?
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.status, forKey: .status)
        try c.encode(record.modelID, forKey: .modelId)
        try c.encode(record.source, forKey: .source)
        try c.encode(record.options.prompt, forKey: .prompt)
        try c.encode(record.options.aspectRatio, forKey: .aspectRatio)
        try c.encode(record.options.imageSize, forKey: .imageSize)
        try c.encode(record.options.inputImageIds.map { "/api/v1/images/\($0.uuidString.lowercased())" }, forKey: .inputImages)
        try c.encode(record.responseText, forKey: .text)
        try c.encode(
            record.outputs.map {
                ImageView(id: $0.id, url: "/api/v1/images/\($0.id.uuidString.lowercased())", mimeType: $0.mimeType, width: $0.width, height: $0.height)
            }, forKey: .images)
        try c.encode(
            ["promptTokens": record.promptTokens, "outputTokens": record.outputTokens, "thoughtTokens": record.thoughtTokens,
             "totalTokens": record.totalTokens], forKey: .usage)
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
        case id, status, modelId, source, prompt, aspectRatio, imageSize, inputImages, text, images, usage, attempts, upstreamHost
        case latencyMs, honoredImageConfig, blockReason, finishReason, error, createdAt, startedAt, finishedAt
    }
}

/// Image bytes, only to the owning tenant, cached for good (an id's bytes never change).
struct ImageController {
    let generations: GenerationStore

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self).get(":id", use: image)
    }

    @Sendable func image(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "image")
        guard let image = try await generations.image(id, tenantID: principal.tenantID) else {
            throw AppError.notFound("No image with that id.")
        }
        let etag = "\"\(image.sha256)\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "private, max-age=31536000, immutable"]
        if request.headers[.ifNoneMatch]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) == true {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = image.mimeType
        headers[.contentLength] = "\(image.data.readableBytes)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: image.data))
    }
}
