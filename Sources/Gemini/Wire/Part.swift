import Foundation

/// One piece of a turn: text, inline bytes (an image), or a kind this client does not model
/// (function calls, file data, ...), which is kept in `unknownFields`.
public struct Part: Codable, Sendable, Hashable {
    public var text: String?
    public var inlineData: InlineData?
    /// Whether this part is the model's thinking rather than its answer.
    public var thought: Bool?
    /// Opaque signature of the model's reasoning, to be sent back unchanged in later turns.
    public var thoughtSignature: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(text: String? = nil, inlineData: InlineData? = nil, thought: Bool? = nil, thoughtSignature: String? = nil) {
        self.text = text
        self.inlineData = inlineData
        self.thought = thought
        self.thoughtSignature = thoughtSignature
    }

    public static func text(_ text: String) -> Part { Part(text: text) }
    public static func image(_ data: Data, mimeType: String) -> Part { Part(inlineData: InlineData(mimeType: mimeType, data: data)) }

    /// Whether this part is thinking (`thought: true`).
    public var isThought: Bool { thought == true }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        text = try reader.read("text")
        inlineData = try reader.read("inlineData")
        thought = try reader.read("thought")
        thoughtSignature = try reader.read("thoughtSignature")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(text, "text")
        try writer.write(inlineData, "inlineData")
        try writer.write(thought, "thought")
        try writer.write(thoughtSignature, "thoughtSignature")
        try writer.write(unknown: unknownFields)
    }
}
