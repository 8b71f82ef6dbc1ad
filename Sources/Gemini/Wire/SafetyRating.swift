import Foundation

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
