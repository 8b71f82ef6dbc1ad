import Foundation

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
