import EaselCore
import EaselStore
import Foundation
import Gemini
import Hummingbird

/// A generation as the API shows it.
struct GenerationView: ResponseEncodable {
    struct Usage: Encodable, Sendable {
        @NullEncoded var promptTokens: Int?
        @NullEncoded var promptImageTokens: Int?
        @NullEncoded var outputTokens: Int?
        @NullEncoded var imageTokens: Int?
        @NullEncoded var thoughtTokens: Int?
        @NullEncoded var totalTokens: Int?
    }

    struct ErrorView: Encodable, Sendable {
        var code: String
        var message: String
    }

    var id: UUID
    var status: GenerationStatus
    var modelId: UUID
    var modelName: String
    var userId: UUID
    var userEmail: String
    @NullEncoded var conversationId: UUID?
    @NullEncoded var parentId: UUID?
    /// The variations of one request share a batch; `batchIndex` is the place in it, from 0.
    @NullEncoded var batchId: UUID?
    @NullEncoded var batchIndex: Int?
    var source: String
    var prompt: String
    @NullEncoded var aspectRatio: String?
    @NullEncoded var imageSize: String?
    @NullEncoded var responseModalities: [String]?
    @NullEncoded var thinkingLevel: String?
    var grounding: Bool
    var imageSearch: Bool
    @NullEncoded var serviceTier: String?
    var inputImageIds: [UUID]
    var inputImages: [String]
    /// The answer's text; while it runs, the text streamed so far.
    @NullEncoded var text: String?
    var images: [ImageView]
    /// More than `images` when the tenant's retention period has removed them.
    var imageCount: Int
    @NullEncoded var groundingSources: GroundingView?
    var usage: Usage
    @NullEncoded var costUsd: Double?
    var attempts: Int
    @NullEncoded var upstreamHost: String?
    @NullEncoded var latencyMs: Int?
    @NullEncoded var honoredImageConfig: Bool?
    @NullEncoded var blockReason: String?
    @NullEncoded var finishReason: String?
    @NullEncoded var error: ErrorView?
    var createdAt: Date
    @NullEncoded var startedAt: Date?
    @NullEncoded var finishedAt: Date?

    /// The generation as `viewer` may see it (`Policy.seesUpstreamRoutes`).
    init(_ record: GenerationRecord, for viewer: Principal) {
        id = record.id
        status = record.status
        modelId = record.modelID
        modelName = record.modelName
        userId = record.userID
        userEmail = record.userEmail
        conversationId = record.conversationID
        parentId = record.parentID
        batchId = record.batchID
        batchIndex = record.batchIndex
        source = record.source
        prompt = record.options.prompt
        aspectRatio = record.options.aspectRatio
        imageSize = record.options.imageSize
        responseModalities = record.options.responseModalities
        thinkingLevel = record.options.thinkingLevel
        grounding = record.options.grounding
        imageSearch = record.options.imageSearch
        serviceTier = record.options.serviceTier
        inputImageIds = record.options.inputImageIds
        inputImages = record.options.inputImageIds.map { "/api/v1/images/\($0.uuidString.lowercased())" }
        text = record.responseText ?? record.partialText
        images = record.outputs.map(ImageView.init)
        imageCount = record.imageCount
        groundingSources = GroundingView(json: record.groundingJSON)
        usage = Usage(
            promptTokens: record.promptTokens,
            promptImageTokens: record.promptImageTokens,
            outputTokens: record.outputTokens,
            imageTokens: record.imageTokens,
            thoughtTokens: record.thoughtTokens,
            totalTokens: record.totalTokens
        )
        costUsd = record.costMicros.map { Double($0) / 1_000_000 }
        attempts = record.attempts
        upstreamHost = Policy.seesUpstreamRoutes(viewer) ? record.upstreamHost : nil
        latencyMs = record.latencyMs
        honoredImageConfig = record.honoredImageConfig
        blockReason = record.blockReason
        finishReason = record.finishReason
        error =
            record.status == .failed || record.status == .blocked
            ? ErrorView(code: record.errorCode ?? record.blockReason ?? "failed", message: record.errorMessage ?? "") : nil
        createdAt = record.createdAt
        startedAt = record.startedAt
        finishedAt = record.finishedAt
    }

    struct ImageView: Encodable, Sendable {
        var id: UUID
        var url: String
        var previewUrl: String
        var mimeType: String
        @NullEncoded var width: Int?
        @NullEncoded var height: Int?

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
    struct GroundingView: Encodable, Sendable {
        /// A web page, or (kind `image`) an image with `uri` the page that contains it, which
        /// Google's display rules require as the image's one-click link.
        struct Source: Encodable, Sendable {
            var kind: String
            @NullEncoded var title: String?
            var uri: String
            @NullEncoded var imageUri: String?
            @NullEncoded var domain: String?
        }

        var webSearchQueries: [String]
        var imageSearchQueries: [String]
        var sources: [Source]
        @NullEncoded var searchEntryPointHtml: String?

        init?(json: String?) {
            guard let json, let metadata = try? JSONDecoder().decode(GroundingMetadata.self, from: Data(json.utf8)) else { return nil }
            webSearchQueries = metadata.webSearchQueries ?? []
            imageSearchQueries = metadata.imageSearchQueries ?? []
            // Links go into `href` and `src`: only https ones are kept (no `javascript:`, no
            // `data:`, no plain http), whatever the upstream sent.
            sources = (metadata.groundingChunks ?? []).compactMap { chunk in
                if let web = chunk.web, let uri = Self.httpsLink(web.uri) { return Source(kind: "web", title: web.title, uri: uri) }
                if let image = chunk.image, let uri = Self.httpsLink(image.pageURI) {
                    return Source(kind: "image", title: image.title, uri: uri, imageUri: Self.httpsLink(image.imageUri), domain: image.domain)
                }
                return nil
            }
            searchEntryPointHtml = metadata.searchEntryPoint?.renderedContent
        }

        /// `link` when it is an absolute https URL with a host, else nil.
        static func httpsLink(_ link: String?) -> String? {
            guard let link, let components = URLComponents(string: link), components.scheme?.lowercased() == "https",
                let host = components.host, !host.isEmpty
            else { return nil }
            return link
        }
    }
}
