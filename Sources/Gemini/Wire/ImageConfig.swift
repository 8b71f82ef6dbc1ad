import Foundation

/// Shape and size of generated images.
public struct ImageConfig: Codable, Sendable, Hashable {
    /// `1:1`, `16:9`, ... (the model's list).
    public var aspectRatio: String?
    /// `512`, `1K`, `2K` or `4K` (upper-case K).
    public var imageSize: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(aspectRatio: String? = nil, imageSize: String? = nil) {
        self.aspectRatio = aspectRatio
        self.imageSize = imageSize
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        aspectRatio = try reader.read("aspectRatio")
        imageSize = try reader.read("imageSize")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(aspectRatio, "aspectRatio")
        try writer.write(imageSize, "imageSize")
        try writer.write(unknown: unknownFields)
    }
}
