import Foundation

/// One source: a web page, or an image with the page it came from.
public struct GroundingChunk: Codable, Sendable, Hashable {
    public var web: GroundingSource?
    public var image: GroundingSource?
    public var unknownFields: [String: JSONValue] = [:]

    public init(web: GroundingSource? = nil, image: GroundingSource? = nil) {
        self.web = web
        self.image = image
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        web = try reader.read("web")
        image = try reader.read("image")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(web, "web")
        try writer.write(image, "image")
        try writer.write(unknown: unknownFields)
    }
}
