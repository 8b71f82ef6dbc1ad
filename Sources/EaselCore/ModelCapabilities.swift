/// What a model config allows a generation to ask for, and what it asks for by default.
///
/// Filled from the known model family when a config is created, and editable for models Easel
/// does not know yet.
public struct ModelCapabilities: Codable, Sendable, Equatable {
    public var maxInputImages: Int
    public var aspectRatios: [String]
    /// Empty when the model has one fixed size.
    public var imageSizes: [String]
    public var thinkingLevels: [String]
    /// Grounding with Google Search (web search).
    public var groundingAllowed: Bool
    /// Google Search's image search as a grounding source (Gemini 3.1 Flash Image).
    public var imageSearchAllowed: Bool
    public var defaultAspectRatio: String?
    public var defaultImageSize: String?

    public init(
        maxInputImages: Int,
        aspectRatios: [String],
        imageSizes: [String],
        thinkingLevels: [String],
        groundingAllowed: Bool,
        imageSearchAllowed: Bool = false,
        defaultAspectRatio: String? = nil,
        defaultImageSize: String? = nil
    ) {
        self.maxInputImages = maxInputImages
        self.aspectRatios = aspectRatios
        self.imageSizes = imageSizes
        self.thinkingLevels = thinkingLevels
        self.groundingAllowed = groundingAllowed
        self.imageSearchAllowed = imageSearchAllowed
        self.defaultAspectRatio = defaultAspectRatio
        self.defaultImageSize = defaultImageSize
    }

    /// Configs stored before a field existed read it as off (an unreadable config would fall
    /// back to `unknownModel`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxInputImages = try container.decode(Int.self, forKey: .maxInputImages)
        aspectRatios = try container.decode([String].self, forKey: .aspectRatios)
        imageSizes = try container.decode([String].self, forKey: .imageSizes)
        thinkingLevels = try container.decode([String].self, forKey: .thinkingLevels)
        groundingAllowed = try container.decode(Bool.self, forKey: .groundingAllowed)
        imageSearchAllowed = try container.decodeIfPresent(Bool.self, forKey: .imageSearchAllowed) ?? false
        defaultAspectRatio = try container.decodeIfPresent(String.self, forKey: .defaultAspectRatio)
        defaultImageSize = try container.decodeIfPresent(String.self, forKey: .defaultImageSize)
    }

    /// A cautious default for a model of no known family: text-to-image and one input image.
    public static let unknownModel = ModelCapabilities(
        maxInputImages: 1,
        aspectRatios: ["1:1"],
        imageSizes: [],
        thinkingLevels: [],
        groundingAllowed: false,
        defaultAspectRatio: "1:1"
    )

    public static let knownImageSizes = ["512", "1K", "2K", "4K"]
    public static let knownThinkingLevels = ["minimal", "low", "medium", "high"]

    /// Checks the capabilities are coherent; field names are prefixed `capabilities.`.
    public func validate() throws(ValidationError) {
        guard (0...64).contains(maxInputImages) else {
            throw ValidationError(field: "capabilities.maxInputImages", message: "must be from 0 to 64")
        }
        guard !aspectRatios.isEmpty else {
            throw ValidationError(field: "capabilities.aspectRatios", message: "must list at least one aspect ratio")
        }
        for ratio in aspectRatios where !Self.isAspectRatio(ratio) {
            throw ValidationError(field: "capabilities.aspectRatios", message: "has '\(ratio)', which is not W:H with whole numbers")
        }
        for size in imageSizes where !Self.knownImageSizes.contains(size) {
            throw ValidationError(
                field: "capabilities.imageSizes",
                message: "has '\(size)'; sizes are \(Self.knownImageSizes.joined(separator: ", "))"
            )
        }
        for level in thinkingLevels where !Self.knownThinkingLevels.contains(level) {
            throw ValidationError(
                field: "capabilities.thinkingLevels",
                message: "has '\(level)'; levels are \(Self.knownThinkingLevels.joined(separator: ", "))"
            )
        }
        if imageSearchAllowed, !groundingAllowed {
            throw ValidationError(field: "capabilities.imageSearchAllowed", message: "needs groundingAllowed: image search is a kind of grounding")
        }
        if let ratio = defaultAspectRatio, !aspectRatios.contains(ratio) {
            throw ValidationError(field: "capabilities.defaultAspectRatio", message: "must be one of the allowed aspect ratios")
        }
        if let size = defaultImageSize, !imageSizes.contains(size) {
            throw ValidationError(field: "capabilities.defaultImageSize", message: "must be one of the allowed image sizes")
        }
    }

    static func isAspectRatio(_ text: String) -> Bool {
        let parts = text.split(separator: ":")
        return parts.count == 2 && parts.allSatisfy { part in Int(part).map { (1...100).contains($0) } ?? false }
    }
}
