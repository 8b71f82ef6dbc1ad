import Foundation

/// A tool the model may use. Easel models Google Search grounding; other tools pass through.
public struct Tool: Codable, Sendable, Hashable {
    public var googleSearch: GoogleSearch?
    public var unknownFields: [String: JSONValue] = [:]

    public init(googleSearch: GoogleSearch? = nil) {
        self.googleSearch = googleSearch
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        googleSearch = try reader.read("googleSearch")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(googleSearch, "googleSearch")
        try writer.write(unknown: unknownFields)
    }
}
