import Foundation

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
