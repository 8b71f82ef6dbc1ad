import Foundation

/// Which searches grounding may use; each present key (an empty object) turns one on.
public struct SearchTypes: Codable, Sendable, Hashable {
    public var webSearch: JSONValue?
    public var imageSearch: JSONValue?
    public var unknownFields: [String: JSONValue] = [:]

    public init(webSearch: Bool = false, imageSearch: Bool = false) {
        self.webSearch = webSearch ? .object([:]) : nil
        self.imageSearch = imageSearch ? .object([:]) : nil
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        webSearch = try reader.read("webSearch")
        imageSearch = try reader.read("imageSearch")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(webSearch, "webSearch")
        try writer.write(imageSearch, "imageSearch")
        try writer.write(unknown: unknownFields)
    }
}
