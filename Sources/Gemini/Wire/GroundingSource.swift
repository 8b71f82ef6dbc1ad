import Foundation

/// A cited page (`uri`, `title`) and, for image sources, the page that holds the image
/// (`sourceUri`; Google's guide calls it `uri`), the image's own `imageUri` and the page's `domain`.
public struct GroundingSource: Codable, Sendable, Hashable {
    public var uri: String?
    public var title: String?
    public var sourceUri: String?
    public var imageUri: String?
    public var domain: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(uri: String? = nil, title: String? = nil, sourceUri: String? = nil, imageUri: String? = nil, domain: String? = nil) {
        self.uri = uri
        self.title = title
        self.sourceUri = sourceUri
        self.imageUri = imageUri
        self.domain = domain
    }

    /// The page to link to: for an image, the page that contains it, never the image file.
    public var pageURI: String? { sourceUri ?? uri }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        uri = try reader.read("uri")
        title = try reader.read("title")
        sourceUri = try reader.read("sourceUri")
        imageUri = try reader.read("imageUri")
        domain = try reader.read("domain")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(uri, "uri")
        try writer.write(title, "title")
        try writer.write(sourceUri, "sourceUri")
        try writer.write(imageUri, "imageUri")
        try writer.write(domain, "domain")
        try writer.write(unknown: unknownFields)
    }
}
