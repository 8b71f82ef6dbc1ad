import EaselStore
import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import ImageKit
import NIOCore
import NIOPosix

/// Image bytes, only to the owning tenant, cached for good (an id's bytes never change).
struct ImageController {
    let images: ImageStore

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
        guard let image = try await images.image(id, tenantID: principal.tenantID) else {
            throw AppError.notFound("No image with that id.")
        }
        return Self.cached(request, data: image.data, mimeType: image.mimeType, etag: image.sha256)
    }

    /// A preview at most 512 px on its longer side, made on the first request (off the
    /// generation's path) and kept: PNG for PNG originals, JPEG for JPEG and WebP ones (Gemini 3
    /// answers JPEG). An original already within the bound is its own preview. Decoding runs on
    /// the blocking pool, bounded in pixels; an image that cannot be decoded (HEIC, a corrupt
    /// file, one past the pixel bound) has no preview, and the original is never served instead.
    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "image")
        guard let source = try await images.previewSource(id, tenantID: principal.tenantID) else {
            throw AppError.notFound("No image with that id.")
        }
        if let preview = source.preview {
            return Self.cached(request, data: preview, mimeType: source.previewMimeType ?? "image/png", etag: source.sha256 + "-preview")
        }
        guard let original = source.original else { throw AppError.notFound("No image with that id.") }
        let decodable: Set<String> = ["image/png", "image/jpeg", "image/webp"]
        if decodable.contains(source.mimeType), let width = source.width, let height = source.height, max(width, height) <= Self.previewSide {
            return Self.cached(request, data: original, mimeType: source.mimeType, etag: source.sha256)
        }
        let side = Self.previewSide
        let bytes = Data(buffer: original)
        guard let made = try await NIOThreadPool.singleton.runIfActive({ Thumbnail.preview(from: bytes, maxSide: side) }) else {
            throw AppError(
                .notFound,
                code: "no_preview",
                message: "No preview can be made of this image (\(source.mimeType)); open the image itself."
            )
        }
        try await images.storePreview(id, data: made.data, mimeType: made.mimeType)
        return Self.cached(request, data: ByteBuffer(data: made.data), mimeType: made.mimeType, etag: source.sha256 + "-preview")
    }

    /// The types served for a browser to show; every other stored type is served as a download.
    static let inlineTypes = Set(ImageInfo.Format.allCases.map(\.mimeType))

    /// Image bytes with a strong ETag and immutable caching (an id's bytes never change).
    static func cached(_ request: Request, data: ByteBuffer, mimeType: String, etag tag: String) -> Response {
        let etag = "\"\(tag)\""
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "private, max-age=31536000, immutable"]
        if request.headers[.ifNoneMatch]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) == true {
            return Response(status: .notModified, headers: headers)
        }
        if Self.inlineTypes.contains(mimeType) {
            headers[.contentType] = mimeType
        } else {
            // A row stored before output images were judged by their bytes may carry any type the
            // upstream declared (an SVG runs script on this origin): such bytes are only downloaded.
            headers[.contentType] = "application/octet-stream"
            headers[.contentDisposition] = "attachment"
        }
        headers[.contentLength] = "\(data.readableBytes)"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: data))
    }
}
