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
    /// Grounding with Google Search's web search.
    public var grounding: Bool
    /// Grounding with Google Search's image search (alone, or with `grounding` as well).
    public var imageSearch: Bool
    /// Gemini's service tier, `standard`, `flex` or `priority`; nil for the default (standard).
    public var serviceTier: String?
    /// Ids of the stored input images, in order.
    public var inputImageIds: [UUID]

    /// The service tiers Gemini offers (`serviceTier` of a request), each priced apart.
    public static let serviceTiers = ["standard", "flex", "priority"]

    /// Refuses a tier Gemini does not offer, naming the field `serviceTier`.
    public static func checkServiceTier(_ tier: String) throws(ValidationError) {
        guard serviceTiers.contains(tier) else {
            throw ValidationError(field: "serviceTier", message: "'\(tier)' is not a service tier; use \(serviceTiers.joined(separator: ", "))")
        }
    }

    public init(
        prompt: String,
        aspectRatio: String? = nil,
        imageSize: String? = nil,
        responseModalities: [String]? = nil,
        thinkingLevel: String? = nil,
        grounding: Bool = false,
        imageSearch: Bool = false,
        serviceTier: String? = nil,
        inputImageIds: [UUID] = []
    ) {
        self.prompt = prompt
        self.aspectRatio = aspectRatio
        self.imageSize = imageSize
        self.responseModalities = responseModalities
        self.thinkingLevel = thinkingLevel
        self.grounding = grounding
        self.imageSearch = imageSearch
        self.serviceTier = serviceTier
        self.inputImageIds = inputImageIds
    }

    /// Requests stored before a field existed read it as its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        prompt = try container.decode(String.self, forKey: .prompt)
        aspectRatio = try container.decodeIfPresent(String.self, forKey: .aspectRatio)
        imageSize = try container.decodeIfPresent(String.self, forKey: .imageSize)
        responseModalities = try container.decodeIfPresent([String].self, forKey: .responseModalities)
        thinkingLevel = try container.decodeIfPresent(String.self, forKey: .thinkingLevel)
        grounding = try container.decodeIfPresent(Bool.self, forKey: .grounding) ?? false
        imageSearch = try container.decodeIfPresent(Bool.self, forKey: .imageSearch) ?? false
        serviceTier = try container.decodeIfPresent(String.self, forKey: .serviceTier)
        inputImageIds = try container.decodeIfPresent([UUID].self, forKey: .inputImageIds) ?? []
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
        if imageSearch, !capabilities.imageSearchAllowed {
            throw ValidationError(field: "imageSearch", message: "grounding with Google image search is not available for this model")
        }
        if let tier = serviceTier { try Self.checkServiceTier(tier) }
    }
}
