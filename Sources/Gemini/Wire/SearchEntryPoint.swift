import Foundation

/// The HTML and CSS of the Google Search chip that grounded answers must show.
public struct SearchEntryPoint: Codable, Sendable, Hashable {
    public var renderedContent: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(renderedContent: String?) { self.renderedContent = renderedContent }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        renderedContent = try reader.read("renderedContent")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(renderedContent, "renderedContent")
        try writer.write(unknown: unknownFields)
    }
}
