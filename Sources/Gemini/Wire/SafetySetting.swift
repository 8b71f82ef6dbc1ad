import Foundation

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
