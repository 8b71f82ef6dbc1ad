import EaselCore
import Foundation
import Hummingbird
import NIOCore

extension GenerationController {
    /// The largest create request: a prompt and several images as base64.
    static let maxBodyBytes = 64 * 1024 * 1024

    /// `POST /api/v1/generations` as the API spells it.
    struct CreateBody: Decodable {
        var modelId: UUID
        var prompt: String?
        var images: [InputImage]?
        var aspectRatio: String?
        var imageSize: String?
        var responseModalities: [String]?
        var thinkingLevel: String?
        var grounding: Bool?
        /// Ground with Google's image search (models that offer it).
        var imageSearch: Bool?
        /// `standard` (the default), `flex` (half price, slower, may be refused) or `priority`.
        var serviceTier: String?
        /// How many images to make, each its own call (1 to 4).
        var count: Int?
        /// Continue this conversation from its latest succeeded turn.
        var conversationId: UUID?
        /// Continue from this generation (a branch when it is not the latest turn).
        var parentId: UUID?
        /// Earlier images of the tenant to use as inputs again (before any uploaded ones).
        var inputImageIds: [UUID]?
        /// With `conversationId`: a new first turn in that conversation, replaying nothing.
        var fromStart: Bool?
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
        func flag(_ name: String) throws -> Bool? {
            guard let value = form.text(name)?.lowercased() else { return nil }
            guard ["true", "false", "on", "off", "1", "0"].contains(value) else {
                throw AppError.validation(ValidationError(field: name, message: "must be true or false"))
            }
            return ["true", "on", "1"].contains(value)
        }
        body.grounding = try flag("grounding")
        body.imageSearch = try flag("imageSearch")
        body.serviceTier = form.text("serviceTier")
        if let count = form.text("count") {
            guard let number = Int(count.trimmingWhitespace()) else {
                throw AppError.validation(ValidationError(field: "count", message: "must be a whole number from 1 to 4"))
            }
            body.count = number
        }
        body.conversationId = try form.text("conversationId").map { try uuid("conversationId", $0) }
        body.parentId = try form.text("parentId").map { try uuid("parentId", $0) }
        body.fromStart = form.text("fromStart").map { ["true", "on", "1"].contains($0.lowercased()) }
        let reused = try form.texts("inputImageIds").flatMap { $0.split(separator: ",") }.map { try uuid("inputImageIds", String($0)) }
        body.inputImageIds = reused.isEmpty ? nil : reused
        let files = form.files("images")
        body.images = files.isEmpty ? nil : files.map { InputImage(mimeType: $0.contentType, bytes: $0.data) }
        return body
    }

    static func waitSeconds(_ request: Request) throws -> Int {
        guard let raw = request.uri.queryParameters.get("wait") else { return 0 }
        guard let seconds = Int(raw), (0...120).contains(seconds) else {
            throw AppError.badRequest("wait must be a whole number of seconds from 0 to 120.", code: "invalid_field")
        }
        return seconds
    }
}
