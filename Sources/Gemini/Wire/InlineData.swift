import Foundation

/// Bytes sent inline, base64 on the wire. They are decoded once, while the JSON is read, and
/// held only as bytes.
public struct InlineData: Codable, Sendable, Hashable {
    public var mimeType: String
    public var data: Data
    public var unknownFields: [String: JSONValue] = [:]

    public init(mimeType: String, data: Data) {
        self.mimeType = mimeType
        self.data = data
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        mimeType = try reader.read("mimeType") ?? ""
        let encoded: String = try reader.read("data") ?? ""
        guard let bytes = Base64.decode(encoded) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath + [WireKey("data")], debugDescription: "data is not base64")
            )
        }
        data = bytes
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(mimeType, "mimeType")
        try writer.write(data.base64EncodedString(), "data")
        try writer.write(unknown: unknownFields)
    }
}
