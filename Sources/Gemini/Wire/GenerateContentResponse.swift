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
