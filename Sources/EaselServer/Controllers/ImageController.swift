import EaselStore
import Foundation
import HTTPTypes
import Hummingbird
import ImageKit
import NIOCore

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

    /// A PNG at most 512 px on its longer side, made on first request (off the generation's
    /// path) and kept; the original when it is that small already or is not a PNG (JPEG, WebP
    /// and HEIC are not decoded on the server).
    @Sendable func preview(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "image")
        guard let source = try await images.previewSource(id, tenantID: principal.tenantID) else {
            throw AppError.notFound("No image with that id.")
        }
        if let preview = source.preview {
            return Self.cached(request, data: preview, mimeType: "image/png", etag: source.sha256 + "-preview")
        }
        guard let original = source.original else { throw AppError.notFound("No image with that id.") }
        if source.mimeType == "image/png", max(source.width ?? 0, source.height ?? 0) > Self.previewSide,
            let png = Thumbnail.png(from: Data(buffer: original), maxSide: Self.previewSide)
        {
            try await images.storePreview(id, png: png)
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
