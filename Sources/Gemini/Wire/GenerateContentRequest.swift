import Foundation

/// The body of `models/{model}:generateContent` and `:streamGenerateContent`.
public struct GenerateContentRequest: Codable, Sendable, Hashable {
    public var contents: [Content]
    public var systemInstruction: Content?
    public var generationConfig: GenerationConfig?
    public var tools: [Tool]?
    public var safetySettings: [SafetySetting]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(
        contents: [Content],
        systemInstruction: Content? = nil,
        generationConfig: GenerationConfig? = nil,
        tools: [Tool]? = nil,
        safetySettings: [SafetySetting]? = nil
    ) {
        self.contents = contents
        self.systemInstruction = systemInstruction
        self.generationConfig = generationConfig
        self.tools = tools
        self.safetySettings = safetySettings
    }

    public init(from decoder: any Decoder) throws {
        var reader = try WireReader(decoder)
        contents = try reader.read("contents") ?? []
        systemInstruction = try reader.read("systemInstruction")
        generationConfig = try reader.read("generationConfig")
        tools = try reader.read("tools")
        safetySettings = try reader.read("safetySettings")
        unknownFields = try reader.unknownFields()
    }

    public func encode(to encoder: any Encoder) throws {
        var writer = WireWriter(encoder)
        try writer.write(contents, "contents")
        try writer.write(systemInstruction, "systemInstruction")
        try writer.write(generationConfig, "generationConfig")
        try writer.write(tools, "tools")
        try writer.write(safetySettings, "safetySettings")
        try writer.write(unknown: unknownFields)
    }
}
