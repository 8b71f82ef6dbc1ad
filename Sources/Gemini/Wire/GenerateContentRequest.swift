import Foundation

/// The body of `models/{model}:generateContent` and `:streamGenerateContent`.
public struct GenerateContentRequest: Codable, Sendable, Hashable {
    public var contents: [Content]
    public var systemInstruction: Content?
    public var generationConfig: GenerationConfig?
    public var tools: [Tool]?
    public var safetySettings: [SafetySetting]?
    /// `standard`, `flex` or `priority` (Google's `ServiceTier`); nil for the default.
    public var serviceTier: String?
    public var unknownFields: [String: JSONValue] = [:]

    public init(
        contents: [Content],
        systemInstruction: Content? = nil,
        generationConfig: GenerationConfig? = nil,
        tools: [Tool]? = nil,
        safetySettings: [SafetySetting]? = nil,
        serviceTier: String? = nil
    ) {
        self.contents = contents
        self.systemInstruction = systemInstruction
        self.generationConfig = generationConfig
        self.tools = tools
        self.safetySettings = safetySettings
        self.serviceTier = serviceTier
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        contents = try reader.read("contents") ?? []
        systemInstruction = try reader.read("systemInstruction")
        generationConfig = try reader.read("generationConfig")
        tools = try reader.read("tools")
        safetySettings = try reader.read("safetySettings")
        serviceTier = try reader.read("serviceTier")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(contents, "contents")
        try writer.write(systemInstruction, "systemInstruction")
        try writer.write(generationConfig, "generationConfig")
        try writer.write(tools, "tools")
        try writer.write(safetySettings, "safetySettings")
        try writer.write(serviceTier, "serviceTier")
        try writer.write(unknown: unknownFields)
    }
}
