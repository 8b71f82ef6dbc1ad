import Foundation

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
