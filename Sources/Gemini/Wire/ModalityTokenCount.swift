import Foundation

/// Tokens of one modality.
public struct ModalityTokenCount: Codable, Sendable, Hashable {
    public var modality: Modality?
    public var tokenCount: Int?
    public var unknownFields: [String: JSONValue] = [:]

    public init(modality: Modality?, tokenCount: Int?) {
        self.modality = modality
        self.tokenCount = tokenCount
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        modality = try reader.read("modality")
        tokenCount = try reader.read("tokenCount")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(modality, "modality")
        try writer.write(tokenCount, "tokenCount")
        try writer.write(unknown: unknownFields)
    }
}
