import Foundation

/// The answer of `generateContent`, or one chunk of `streamGenerateContent`.
public struct GenerateContentResponse: Codable, Sendable, Hashable {
    public var candidates: [Candidate]
    public var promptFeedback: PromptFeedback?
    public var usageMetadata: UsageMetadata?
    public var modelVersion: String?
    public var responseId: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(
        candidates: [Candidate] = [],
        promptFeedback: PromptFeedback? = nil,
        usageMetadata: UsageMetadata? = nil,
        modelVersion: String? = nil,
        responseId: String? = nil
    ) {
        self.candidates = candidates
        self.promptFeedback = promptFeedback
        self.usageMetadata = usageMetadata
        self.modelVersion = modelVersion
        self.responseId = responseId
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        candidates = try reader.read("candidates") ?? []
        promptFeedback = try reader.read("promptFeedback")
        usageMetadata = try reader.read("usageMetadata")
        modelVersion = try reader.read("modelVersion")
        responseId = try reader.read("responseId")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(candidates.isEmpty ? nil : candidates, "candidates")
        try writer.write(promptFeedback, "promptFeedback")
        try writer.write(usageMetadata, "usageMetadata")
        try writer.write(modelVersion, "modelVersion")
        try writer.write(responseId, "responseId")
        try writer.write(unknown: unknownFields)
    }
}

/// One answer the model gave.
public struct Candidate: Codable, Sendable, Hashable {
    public var content: Content?
    public var finishReason: FinishReason?
    public var finishMessage: String?
    public var safetyRatings: [SafetyRating]?
    public var groundingMetadata: GroundingMetadata?
    public var index: Int?
    public var unknownFields: [String: JSONValue] = [:]

    public init(
        content: Content? = nil,
        finishReason: FinishReason? = nil,
        finishMessage: String? = nil,
        safetyRatings: [SafetyRating]? = nil,
        groundingMetadata: GroundingMetadata? = nil,
        index: Int? = nil
    ) {
        self.content = content
        self.finishReason = finishReason
        self.finishMessage = finishMessage
        self.safetyRatings = safetyRatings
        self.groundingMetadata = groundingMetadata
        self.index = index
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        content = try reader.read("content")
        finishReason = try reader.read("finishReason")
        finishMessage = try reader.read("finishMessage")
        safetyRatings = try reader.read("safetyRatings")
        groundingMetadata = try reader.read("groundingMetadata")
        index = try reader.read("index")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(content, "content")
        try writer.write(finishReason, "finishReason")
        try writer.write(finishMessage, "finishMessage")
        try writer.write(safetyRatings, "safetyRatings")
        try writer.write(groundingMetadata, "groundingMetadata")
        try writer.write(index, "index")
        try writer.write(unknown: unknownFields)
    }
}

/// Why the model stopped.
public struct FinishReason: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let stop: FinishReason = "STOP"
    public static let maxTokens: FinishReason = "MAX_TOKENS"
    public static let safety: FinishReason = "SAFETY"
    public static let recitation: FinishReason = "RECITATION"
    public static let blocklist: FinishReason = "BLOCKLIST"
    public static let prohibitedContent: FinishReason = "PROHIBITED_CONTENT"
    public static let spii: FinishReason = "SPII"
    public static let imageSafety: FinishReason = "IMAGE_SAFETY"
    public static let imageProhibitedContent: FinishReason = "IMAGE_PROHIBITED_CONTENT"
    public static let imageRecitation: FinishReason = "IMAGE_RECITATION"
    public static let imageOther: FinishReason = "IMAGE_OTHER"
    public static let noImage: FinishReason = "NO_IMAGE"
    public static let other: FinishReason = "OTHER"

    /// Whether the reason is a safety or policy refusal rather than a normal end.
    public var isSafetyBlock: Bool {
        [.safety, .recitation, .blocklist, .prohibitedContent, .spii, .imageSafety, .imageProhibitedContent, .imageRecitation]
            .contains(self)
    }
}

/// Why the prompt itself was refused.
public struct BlockReason: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let safety: BlockReason = "SAFETY"
    public static let other: BlockReason = "OTHER"
    public static let blocklist: BlockReason = "BLOCKLIST"
    public static let prohibitedContent: BlockReason = "PROHIBITED_CONTENT"
    public static let imageSafety: BlockReason = "IMAGE_SAFETY"
}

/// Feedback on the prompt: set when the prompt was blocked before any candidate was made.
public struct PromptFeedback: Codable, Sendable, Hashable {
    public var blockReason: BlockReason?
    public var blockReasonMessage: String?
    public var safetyRatings: [SafetyRating]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(blockReason: BlockReason? = nil, blockReasonMessage: String? = nil, safetyRatings: [SafetyRating]? = nil) {
        self.blockReason = blockReason
        self.blockReasonMessage = blockReasonMessage
        self.safetyRatings = safetyRatings
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        blockReason = try reader.read("blockReason")
        blockReasonMessage = try reader.read("blockReasonMessage")
        safetyRatings = try reader.read("safetyRatings")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(blockReason, "blockReason")
        try writer.write(blockReasonMessage, "blockReasonMessage")
        try writer.write(safetyRatings, "safetyRatings")
        try writer.write(unknown: unknownFields)
    }
}

/// How likely content falls in a harm category, and whether it was blocked for it.
public struct SafetyRating: Codable, Sendable, Hashable {
    public var category: String?
    public var probability: String?
    public var blocked: Bool?
    public var unknownFields: [String: JSONValue] = [:]

    public init(category: String? = nil, probability: String? = nil, blocked: Bool? = nil) {
        self.category = category
        self.probability = probability
        self.blocked = blocked
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        category = try reader.read("category")
        probability = try reader.read("probability")
        blocked = try reader.read("blocked")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(category, "category")
        try writer.write(probability, "probability")
        try writer.write(blocked, "blocked")
        try writer.write(unknown: unknownFields)
    }
}

/// Token counts of a call, split by modality where Google reports it.
public struct UsageMetadata: Codable, Sendable, Hashable {
    public var promptTokenCount: Int?
    public var candidatesTokenCount: Int?
    public var thoughtsTokenCount: Int?
    public var totalTokenCount: Int?
    public var cachedContentTokenCount: Int?
    public var promptTokensDetails: [ModalityTokenCount]?
    public var candidatesTokensDetails: [ModalityTokenCount]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(
        promptTokenCount: Int? = nil,
        candidatesTokenCount: Int? = nil,
        thoughtsTokenCount: Int? = nil,
        totalTokenCount: Int? = nil,
        cachedContentTokenCount: Int? = nil,
        promptTokensDetails: [ModalityTokenCount]? = nil,
        candidatesTokensDetails: [ModalityTokenCount]? = nil
    ) {
        self.promptTokenCount = promptTokenCount
        self.candidatesTokenCount = candidatesTokenCount
        self.thoughtsTokenCount = thoughtsTokenCount
        self.totalTokenCount = totalTokenCount
        self.cachedContentTokenCount = cachedContentTokenCount
        self.promptTokensDetails = promptTokensDetails
        self.candidatesTokensDetails = candidatesTokensDetails
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        promptTokenCount = try reader.read("promptTokenCount")
        candidatesTokenCount = try reader.read("candidatesTokenCount")
        thoughtsTokenCount = try reader.read("thoughtsTokenCount")
        totalTokenCount = try reader.read("totalTokenCount")
        cachedContentTokenCount = try reader.read("cachedContentTokenCount")
        promptTokensDetails = try reader.read("promptTokensDetails")
        candidatesTokensDetails = try reader.read("candidatesTokensDetails")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(promptTokenCount, "promptTokenCount")
        try writer.write(candidatesTokenCount, "candidatesTokenCount")
        try writer.write(thoughtsTokenCount, "thoughtsTokenCount")
        try writer.write(totalTokenCount, "totalTokenCount")
        try writer.write(cachedContentTokenCount, "cachedContentTokenCount")
        try writer.write(promptTokensDetails, "promptTokensDetails")
        try writer.write(candidatesTokensDetails, "candidatesTokensDetails")
        try writer.write(unknown: unknownFields)
    }
}

/// Tokens of one modality.
public struct ModalityTokenCount: Codable, Sendable, Hashable {
    public var modality: Modality?
    public var tokenCount: Int?
    public var unknownFields: [String: JSONValue] = [:]

    public init(modality: Modality?, tokenCount: Int?) {
        self.modality = modality
        self.tokenCount = tokenCount
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        modality = try reader.read("modality")
        tokenCount = try reader.read("tokenCount")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(modality, "modality")
        try writer.write(tokenCount, "tokenCount")
        try writer.write(unknown: unknownFields)
    }
}

/// Sources behind a grounded answer. The commonly read fields are typed; the rest
/// (`groundingSupports`, `retrievalMetadata`, ...) stays in `unknownFields`.
public struct GroundingMetadata: Codable, Sendable, Hashable {
    public var webSearchQueries: [String]?
    public var imageSearchQueries: [String]?
    public var searchEntryPoint: SearchEntryPoint?
    public var groundingChunks: [GroundingChunk]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(
        webSearchQueries: [String]? = nil,
        imageSearchQueries: [String]? = nil,
        searchEntryPoint: SearchEntryPoint? = nil,
        groundingChunks: [GroundingChunk]? = nil
    ) {
        self.webSearchQueries = webSearchQueries
        self.imageSearchQueries = imageSearchQueries
        self.searchEntryPoint = searchEntryPoint
        self.groundingChunks = groundingChunks
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        webSearchQueries = try reader.read("webSearchQueries")
        imageSearchQueries = try reader.read("imageSearchQueries")
        searchEntryPoint = try reader.read("searchEntryPoint")
        groundingChunks = try reader.read("groundingChunks")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(webSearchQueries, "webSearchQueries")
        try writer.write(imageSearchQueries, "imageSearchQueries")
        try writer.write(searchEntryPoint, "searchEntryPoint")
        try writer.write(groundingChunks, "groundingChunks")
        try writer.write(unknown: unknownFields)
    }
}

/// The HTML and CSS of the Google Search chip that grounded answers must show.
public struct SearchEntryPoint: Codable, Sendable, Hashable {
    public var renderedContent: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(renderedContent: String?) { self.renderedContent = renderedContent }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        renderedContent = try reader.read("renderedContent")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(renderedContent, "renderedContent")
        try writer.write(unknown: unknownFields)
    }
}

/// One source: a web page, or an image with the page it came from.
public struct GroundingChunk: Codable, Sendable, Hashable {
    public var web: GroundingSource?
    public var image: GroundingSource?
    public var unknownFields: [String: JSONValue] = [:]

    public init(web: GroundingSource? = nil, image: GroundingSource? = nil) {
        self.web = web
        self.image = image
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        web = try reader.read("web")
        image = try reader.read("image")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(web, "web")
        try writer.write(image, "image")
        try writer.write(unknown: unknownFields)
    }
}

/// A cited page (`uri`, `title`) and, for image sources, the image's own `imageUri`.
public struct GroundingSource: Codable, Sendable, Hashable {
    public var uri: String?
    public var title: String?
    public var imageUri: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(uri: String? = nil, title: String? = nil, imageUri: String? = nil) {
        self.uri = uri
        self.title = title
        self.imageUri = imageUri
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        uri = try reader.read("uri")
        title = try reader.read("title")
        imageUri = try reader.read("imageUri")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(uri, "uri")
        try writer.write(title, "title")
        try writer.write(imageUri, "imageUri")
        try writer.write(unknown: unknownFields)
    }
}
