import Foundation

/// Sources behind a grounded answer. The commonly read fields are typed; the rest
/// (`groundingSupports`, `retrievalMetadata`, ...) stays in `unknownFields`.
public struct GroundingMetadata: Codable, Sendable, Hashable {
    public var webSearchQueries: [String]?
    public var imageSearchQueries: [String]?
    public var searchEntryPoint: SearchEntryPoint?
    public var groundingChunks: [GroundingChunk]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(
        webSearchQueries: [String]? = nil,
        imageSearchQueries: [String]? = nil,
        searchEntryPoint: SearchEntryPoint? = nil,
        groundingChunks: [GroundingChunk]? = nil
    ) {
        self.webSearchQueries = webSearchQueries
        self.imageSearchQueries = imageSearchQueries
        self.searchEntryPoint = searchEntryPoint
        self.groundingChunks = groundingChunks
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        webSearchQueries = try reader.read("webSearchQueries")
        imageSearchQueries = try reader.read("imageSearchQueries")
        searchEntryPoint = try reader.read("searchEntryPoint")
        groundingChunks = try reader.read("groundingChunks")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(webSearchQueries, "webSearchQueries")
        try writer.write(imageSearchQueries, "imageSearchQueries")
        try writer.write(searchEntryPoint, "searchEntryPoint")
        try writer.write(groundingChunks, "groundingChunks")
        try writer.write(unknown: unknownFields)
    }
}
