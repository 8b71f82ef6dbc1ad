import Foundation

/// One turn of a conversation: who spoke (`user` or `model`) and what, as parts.
public struct Content: Codable, Sendable, Hashable {
    public var role: String?
    public var parts: [Part]
    public var unknownFields: [String: JSONValue] = [:]

    public init(role: String? = nil, parts: [Part]) {
        self.role = role
        self.parts = parts
    }

    public static func user(_ parts: Part...) -> Content { Content(role: "user", parts: parts) }
    public static func model(_ parts: [Part]) -> Content { Content(role: "model", parts: parts) }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        role = try reader.read("role")
        parts = try reader.read("parts") ?? []
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(role, "role")
        try writer.write(parts, "parts")
        try writer.write(unknown: unknownFields)
    }
}
