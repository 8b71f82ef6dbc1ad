import Foundation

/// One turn of a conversation: who spoke (`user` or `model`) and what, as parts.
public struct Content: Codable, Sendable, Hashable {
    public var role: String?
    public var parts: [Part]
    public var unknownFields: [String: JSONValue] = [:]

    public init(role: String? = nil, parts: [Part]) {
        self.role = role
        self.parts = parts
    }

    public static func user(_ parts: Part...) -> Content { Content(role: "user", parts: parts) }
    public static func model(_ parts: [Part]) -> Content { Content(role: "model", parts: parts) }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        role = try reader.read("role")
        parts = try reader.read("parts") ?? []
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(role, "role")
        try writer.write(parts, "parts")
        try writer.write(unknown: unknownFields)
    }
}

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

/// Bytes sent inline, base64 on the wire. They are decoded once, while the JSON is read, and
/// held only as bytes.
public struct InlineData: Codable, Sendable, Hashable {
    public var mimeType: String
    public var data: Data
    public var unknownFields: [String: JSONValue] = [:]

    public init(mimeType: String, data: Data) {
        self.mimeType = mimeType
        self.data = data
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        mimeType = try reader.read("mimeType") ?? ""
        let encoded: String = try reader.read("data") ?? ""
        guard let bytes = Base64.decode(encoded) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath + [WireKey("data")], debugDescription: "data is not base64"))
        }
        data = bytes
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(mimeType, "mimeType")
        try writer.write(data.base64EncodedString(), "data")
        try writer.write(unknown: unknownFields)
    }
}
