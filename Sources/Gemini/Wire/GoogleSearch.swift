import Foundation

/// Grounding with Google Search: web search by default, image search on request.
public struct GoogleSearch: Codable, Sendable, Hashable {
    public var searchTypes: SearchTypes?
    public var unknownFields: [String: JSONValue] = [:]

    public init(searchTypes: SearchTypes? = nil) {
        self.searchTypes = searchTypes
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        searchTypes = try reader.read("searchTypes")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(searchTypes, "searchTypes")
        try writer.write(unknown: unknownFields)
    }
}
