import Foundation

/// The body of `models/{model}:generateContent` and `:streamGenerateContent`.
public struct GenerateContentRequest: Codable, Sendable, Hashable {
    public var contents: [Content]
    public var systemInstruction: Content?
    public var generationConfig: GenerationConfig?
    public var tools: [Tool]?
    public var safetySettings: [SafetySetting]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(
        contents: [Content],
        systemInstruction: Content? = nil,
        generationConfig: GenerationConfig? = nil,
        tools: [Tool]? = nil,
        safetySettings: [SafetySetting]? = nil
    ) {
        self.contents = contents
        self.systemInstruction = systemInstruction
        self.generationConfig = generationConfig
        self.tools = tools
        self.safetySettings = safetySettings
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        contents = try reader.read("contents") ?? []
        systemInstruction = try reader.read("systemInstruction")
        generationConfig = try reader.read("generationConfig")
        tools = try reader.read("tools")
        safetySettings = try reader.read("safetySettings")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(contents, "contents")
        try writer.write(systemInstruction, "systemInstruction")
        try writer.write(generationConfig, "generationConfig")
        try writer.write(tools, "tools")
        try writer.write(safetySettings, "safetySettings")
        try writer.write(unknown: unknownFields)
    }
}

/// How the model should answer.
public struct GenerationConfig: Codable, Sendable, Hashable {
    /// `TEXT` and/or `IMAGE`.
    public var responseModalities: [Modality]?
    public var imageConfig: ImageConfig?
    public var thinkingConfig: ThinkingConfig?
    public var candidateCount: Int?
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var maxOutputTokens: Int?
    public var seed: Int?
    public var stopSequences: [String]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(
        responseModalities: [Modality]? = nil,
        imageConfig: ImageConfig? = nil,
        thinkingConfig: ThinkingConfig? = nil,
        candidateCount: Int? = nil,
        temperature: Double? = nil,
        topP: Double? = nil,
        topK: Int? = nil,
        maxOutputTokens: Int? = nil,
        seed: Int? = nil,
        stopSequences: [String]? = nil
    ) {
        self.responseModalities = responseModalities
        self.imageConfig = imageConfig
        self.thinkingConfig = thinkingConfig
        self.candidateCount = candidateCount
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.maxOutputTokens = maxOutputTokens
        self.seed = seed
        self.stopSequences = stopSequences
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        responseModalities = try reader.read("responseModalities")
        imageConfig = try reader.read("imageConfig")
        thinkingConfig = try reader.read("thinkingConfig")
        candidateCount = try reader.read("candidateCount")
        temperature = try reader.read("temperature")
        topP = try reader.read("topP")
        topK = try reader.read("topK")
        maxOutputTokens = try reader.read("maxOutputTokens")
        seed = try reader.read("seed")
        stopSequences = try reader.read("stopSequences")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(responseModalities, "responseModalities")
        try writer.write(imageConfig, "imageConfig")
        try writer.write(thinkingConfig, "thinkingConfig")
        try writer.write(candidateCount, "candidateCount")
        try writer.write(temperature, "temperature")
        try writer.write(topP, "topP")
        try writer.write(topK, "topK")
        try writer.write(maxOutputTokens, "maxOutputTokens")
        try writer.write(seed, "seed")
        try writer.write(stopSequences, "stopSequences")
        try writer.write(unknown: unknownFields)
    }
}

/// Shape and size of generated images.
public struct ImageConfig: Codable, Sendable, Hashable {
    /// `1:1`, `16:9`, ... (the model's list).
    public var aspectRatio: String?
    /// `512`, `1K`, `2K` or `4K` (upper-case K).
    public var imageSize: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(aspectRatio: String? = nil, imageSize: String? = nil) {
        self.aspectRatio = aspectRatio
        self.imageSize = imageSize
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        aspectRatio = try reader.read("aspectRatio")
        imageSize = try reader.read("imageSize")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(aspectRatio, "aspectRatio")
        try writer.write(imageSize, "imageSize")
        try writer.write(unknown: unknownFields)
    }
}

/// How much the model thinks before answering, and whether its thoughts are returned.
public struct ThinkingConfig: Codable, Sendable, Hashable {
    /// `minimal` or `high` for Gemini 3.1 Flash Image (case-insensitive on Google's side).
    public var thinkingLevel: String?
    public var includeThoughts: Bool?
    public var thinkingBudget: Int?
    public var unknownFields: [String: JSONValue] = [:]

    public init(thinkingLevel: String? = nil, includeThoughts: Bool? = nil, thinkingBudget: Int? = nil) {
        self.thinkingLevel = thinkingLevel
        self.includeThoughts = includeThoughts
        self.thinkingBudget = thinkingBudget
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        thinkingLevel = try reader.read("thinkingLevel")
        includeThoughts = try reader.read("includeThoughts")
        thinkingBudget = try reader.read("thinkingBudget")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(thinkingLevel, "thinkingLevel")
        try writer.write(includeThoughts, "includeThoughts")
        try writer.write(thinkingBudget, "thinkingBudget")
        try writer.write(unknown: unknownFields)
    }
}

/// A tool the model may use. Easel models Google Search grounding; other tools pass through.
public struct Tool: Codable, Sendable, Hashable {
    public var googleSearch: GoogleSearch?
    public var unknownFields: [String: JSONValue] = [:]

    public init(googleSearch: GoogleSearch? = nil) {
        self.googleSearch = googleSearch
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        googleSearch = try reader.read("googleSearch")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(googleSearch, "googleSearch")
        try writer.write(unknown: unknownFields)
    }
}

/// Grounding with Google Search: web search by default, image search on request.
public struct GoogleSearch: Codable, Sendable, Hashable {
    public var searchTypes: SearchTypes?
    public var unknownFields: [String: JSONValue] = [:]

    public init(searchTypes: SearchTypes? = nil) {
        self.searchTypes = searchTypes
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        searchTypes = try reader.read("searchTypes")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(searchTypes, "searchTypes")
        try writer.write(unknown: unknownFields)
    }
}

/// Which searches grounding may use; each present key (an empty object) turns one on.
public struct SearchTypes: Codable, Sendable, Hashable {
    public var webSearch: JSONValue?
    public var imageSearch: JSONValue?
    public var unknownFields: [String: JSONValue] = [:]

    public init(webSearch: Bool = false, imageSearch: Bool = false) {
        self.webSearch = webSearch ? .object([:]) : nil
        self.imageSearch = imageSearch ? .object([:]) : nil
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        webSearch = try reader.read("webSearch")
        imageSearch = try reader.read("imageSearch")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(webSearch, "webSearch")
        try writer.write(imageSearch, "imageSearch")
        try writer.write(unknown: unknownFields)
    }
}

/// A per-category blocking threshold.
public struct SafetySetting: Codable, Sendable, Hashable {
    public var category: String
    public var threshold: String
    public var unknownFields: [String: JSONValue] = [:]

    public init(category: String, threshold: String) {
        self.category = category
        self.threshold = threshold
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        category = try reader.read("category") ?? ""
        threshold = try reader.read("threshold") ?? ""
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(category, "category")
        try writer.write(threshold, "threshold")
        try writer.write(unknown: unknownFields)
    }
}

/// `TEXT`, `IMAGE`, or a modality added later.
public struct Modality: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let text: Modality = "TEXT"
    public static let image: Modality = "IMAGE"
}
