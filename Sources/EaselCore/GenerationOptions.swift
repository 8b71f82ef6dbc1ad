import Foundation

/// What a user asked for, as accepted and stored: the same shape serves the studio, the JSON
/// API and (later) the Gemini-compatible endpoint.
public struct GenerationOptions: Codable, Sendable, Equatable {
    public var prompt: String
    public var aspectRatio: String?
    public var imageSize: String?
    /// `TEXT` and/or `IMAGE`; nil asks for both.
    public var responseModalities: [String]?
    public var thinkingLevel: String?
    public var grounding: Bool
    /// Ids of the stored input images, in order.
    public var inputImageIds: [UUID]

    public init(
        prompt: String,
        aspectRatio: String? = nil,
        imageSize: String? = nil,
        responseModalities: [String]? = nil,
        thinkingLevel: String? = nil,
        grounding: Bool = false,
        inputImageIds: [UUID] = []
    ) {
        self.prompt = prompt
        self.aspectRatio = aspectRatio
        self.imageSize = imageSize
        self.responseModalities = responseModalities
        self.thinkingLevel = thinkingLevel
        self.grounding = grounding
        self.inputImageIds = inputImageIds
    }

    /// Checks the options against what a model allows; field names as the API spells them.
    /// `requirePrompt` off for requests whose turn may hold only parts Easel does not model
    /// (the Gemini-compatible routes: `fileData`, function responses), which Google judges.
    public func validate(against capabilities: ModelCapabilities, inputImageCount: Int, requirePrompt: Bool = true) throws(ValidationError) {
        let length = prompt.unicodeScalars.count
        guard length > 0 || inputImageCount > 0 || !requirePrompt else { throw ValidationError(field: "prompt", message: "is required") }
        guard length <= 32_000 else { throw ValidationError(field: "prompt", message: "must be at most 32000 characters") }
        if inputImageCount > capabilities.maxInputImages {
            throw ValidationError(
                field: "images",
                message: "has \(inputImageCount) images; this model takes at most \(capabilities.maxInputImages)"
            )
        }
        if let ratio = aspectRatio, !capabilities.aspectRatios.contains(ratio) {
            throw ValidationError(
                field: "aspectRatio",
                message: "'\(ratio)' is not offered by this model; choose one of \(capabilities.aspectRatios.joined(separator: ", "))"
            )
        }
        if let size = imageSize, !capabilities.imageSizes.contains(size) {
            let offered =
                capabilities.imageSizes.isEmpty ? "this model has one fixed size" : "choose one of \(capabilities.imageSizes.joined(separator: ", "))"
            throw ValidationError(field: "imageSize", message: "'\(size)' is not offered; \(offered)")
        }
        if let level = thinkingLevel, !capabilities.thinkingLevels.contains(level) {
            let offered =
                capabilities.thinkingLevels.isEmpty
                ? "this model's thinking is not adjustable" : "choose one of \(capabilities.thinkingLevels.joined(separator: ", "))"
            throw ValidationError(field: "thinkingLevel", message: "'\(level)' is not offered; \(offered)")
        }
        for modality in responseModalities ?? [] where modality != "TEXT" && modality != "IMAGE" {
            throw ValidationError(field: "responseModalities", message: "has '\(modality)'; use TEXT and/or IMAGE")
        }
        if responseModalities?.isEmpty == true {
            throw ValidationError(field: "responseModalities", message: "must not be empty")
        }
        if grounding, !capabilities.groundingAllowed {
            throw ValidationError(field: "grounding", message: "Google Search grounding is not available for this model")
        }
    }
}
