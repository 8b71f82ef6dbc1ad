import Foundation

/// A cited page (`uri`, `title`) and, for image sources, the image's own `imageUri`.
public struct GroundingSource: Codable, Sendable, Hashable {
    public var uri: String?
    public var title: String?
    public var imageUri: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(uri: String? = nil, title: String? = nil, imageUri: String? = nil) {
        self.uri = uri
        self.title = title
        self.imageUri = imageUri
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        uri = try reader.read("uri")
        title = try reader.read("title")
        imageUri = try reader.read("imageUri")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(uri, "uri")
        try writer.write(title, "title")
        try writer.write(imageUri, "imageUri")
        try writer.write(unknown: unknownFields)
    }
}
