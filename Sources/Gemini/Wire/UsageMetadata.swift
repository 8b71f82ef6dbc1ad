import Foundation

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
