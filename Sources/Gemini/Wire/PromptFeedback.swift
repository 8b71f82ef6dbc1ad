import Foundation

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
