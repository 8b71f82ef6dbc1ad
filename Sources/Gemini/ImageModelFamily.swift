/// What Google's image models accept and return, from Google's published tables.
///
/// Easel fills a model config's capabilities from its family, and the simulator answers with
/// images of exactly these sizes.
public struct ImageModelFamily: Sendable, Hashable {
    /// The model id prefix, e.g. `gemini-3.1-flash-image` (matches `-preview` variants too).
    public let id: String
    public let displayName: String
    public let aspectRatios: [String]
    /// Accepted `imageSize` values; empty when the model has one fixed size.
    public let imageSizes: [String]
    public let defaultImageSize: String?
    public let maxInputImages: Int
    /// Accepted `thinkingLevel` values (lower-case); empty when not adjustable.
    public let thinkingLevels: [String]
    public let supportsGrounding: Bool
    public let supportsImageSearch: Bool
    /// Gemini 3 models reject a history whose model images lack their thought signatures.
    public let requiresThoughtSignatures: Bool
    /// What the model's images are: PNG for Gemini 2.5, JPEG for the Gemini 3 families (as
    /// captured responses show).
    public var outputMimeType: String { requiresThoughtSignatures ? "image/jpeg" : "image/png" }
    /// Output tokens billed per image, by image size ("" for fixed-size models).
    let tokensPerImage: [String: Int]
    /// Input tokens of a typical (about 1024 px) input image: for estimates only, the bill uses
    /// the counts `usageMetadata` reports.
    public let inputTokensPerImage: Int
    /// Pixel sizes by image size, then aspect ratio.
    let dimensions: [String: [String: (Int, Int)]]

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.id == rhs.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// Width and height of an image of `aspectRatio` (default 1:1) and `imageSize` (default the
    /// family's); nil when the model does not offer that combination.
    public func dimensions(aspectRatio: String?, imageSize: String?) -> (width: Int, height: Int)? {
        let size = imageSizes.isEmpty ? "" : (imageSize ?? defaultImageSize ?? "")
        guard let byRatio = dimensions[size], let pair = byRatio[aspectRatio ?? "1:1"] else { return nil }
        return (pair.0, pair.1)
    }

    /// Output tokens one image of `imageSize` costs.
    public func outputTokensPerImage(imageSize: String?) -> Int {
        let size = imageSizes.isEmpty ? "" : (imageSize ?? defaultImageSize ?? "")
        return tokensPerImage[size] ?? tokensPerImage.values.max() ?? 0
    }

    /// The family of an upstream model id (`gemini-2.5-flash-image-preview` → 2.5 Flash Image).
    public static func family(ofModel model: String) -> ImageModelFamily? {
        let id = model.hasPrefix("models/") ? String(model.dropFirst(7)) : model
        return all.first { id == $0.id || id.hasPrefix($0.id + "-") }
    }

    public static let all: [ImageModelFamily] = [flash25, flash31, flashLite31, pro3]

    static let tenRatios = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]

    public static let flash25 = ImageModelFamily(
        id: "gemini-2.5-flash-image",
        displayName: "Gemini 2.5 Flash Image",
        aspectRatios: tenRatios,
        imageSizes: [],
        defaultImageSize: nil,
        maxInputImages: 3,
        thinkingLevels: [],
        supportsGrounding: false,
        supportsImageSearch: false,
        requiresThoughtSignatures: false,
        tokensPerImage: ["": 1290],
        // Gemini 2.x tiles images into 768 px squares of 258 tokens: four for a 1024 px image.
        inputTokensPerImage: 1032,
        dimensions: [
            "": [
                "1:1": (1024, 1024), "2:3": (832, 1248), "3:2": (1248, 832), "3:4": (864, 1184), "4:3": (1184, 864),
                "4:5": (896, 1152), "5:4": (1152, 896), "9:16": (768, 1344), "16:9": (1344, 768), "21:9": (1536, 672),
            ]
        ]
    )

    public static let flash31 = ImageModelFamily(
        id: "gemini-3.1-flash-image",
        displayName: "Gemini 3.1 Flash Image",
        aspectRatios: ["1:1", "1:4", "1:8", "2:3", "3:2", "3:4", "4:1", "4:3", "4:5", "5:4", "8:1", "9:16", "16:9", "21:9"],
        imageSizes: ["512", "1K", "2K", "4K"],
        defaultImageSize: "1K",
        maxInputImages: 14,
        thinkingLevels: ["minimal", "high"],
        supportsGrounding: true,
        supportsImageSearch: true,
        requiresThoughtSignatures: true,
        tokensPerImage: ["512": 747, "1K": 1120, "2K": 1680, "4K": 2520],
        // Gemini 3 reads images at its default (high) media resolution: 1120 tokens each.
        inputTokensPerImage: 1120,
        dimensions: [
            "512": [
                "1:1": (512, 512), "1:4": (256, 1024), "1:8": (192, 1536), "2:3": (424, 632), "3:2": (632, 424),
                "3:4": (448, 600), "4:1": (1024, 256), "4:3": (600, 448), "4:5": (464, 576), "5:4": (576, 464),
                "8:1": (1536, 192), "9:16": (384, 688), "16:9": (688, 384), "21:9": (792, 168),
            ],
            "1K": [
                "1:1": (1024, 1024), "1:4": (512, 2048), "1:8": (384, 3072), "2:3": (848, 1264), "3:2": (1264, 848),
                "3:4": (896, 1200), "4:1": (2048, 512), "4:3": (1200, 896), "4:5": (928, 1152), "5:4": (1152, 928),
                "8:1": (3072, 384), "9:16": (768, 1376), "16:9": (1376, 768), "21:9": (1584, 672),
            ],
            "2K": [
                "1:1": (2048, 2048), "1:4": (1024, 4096), "1:8": (768, 6144), "2:3": (1696, 2528), "3:2": (2528, 1696),
                "3:4": (1792, 2400), "4:1": (4096, 1024), "4:3": (2400, 1792), "4:5": (1856, 2304), "5:4": (2304, 1856),
                "8:1": (6144, 768), "9:16": (1536, 2752), "16:9": (2752, 1536), "21:9": (3168, 1344),
            ],
            "4K": [
                "1:1": (4096, 4096), "1:4": (2048, 8192), "1:8": (1536, 12288), "2:3": (3392, 5056), "3:2": (5056, 3392),
                "3:4": (3584, 4800), "4:1": (8192, 2048), "4:3": (4800, 3584), "4:5": (3712, 4608), "5:4": (4608, 3712),
                "8:1": (12288, 1536), "9:16": (3072, 5504), "16:9": (5504, 3072), "21:9": (6336, 2688),
            ],
        ]
    )

    /// Gemini 3.1 Flash Lite Image: 1K only, the 14 ratios of 3.1 Flash, thinking `minimal` or
    /// `high`, no grounding. Google has published no input-image limit or token table of its own
    /// yet; those of 3.1 Flash at 1K are assumed.
    public static let flashLite31 = ImageModelFamily(
        id: "gemini-3.1-flash-lite-image",
        displayName: "Gemini 3.1 Flash Lite Image",
        aspectRatios: flash31.aspectRatios,
        imageSizes: ["1K"],
        defaultImageSize: "1K",
        maxInputImages: 14,
        thinkingLevels: ["minimal", "high"],
        supportsGrounding: false,
        supportsImageSearch: false,
        requiresThoughtSignatures: true,
        tokensPerImage: ["1K": 1120],
        inputTokensPerImage: 1120,
        dimensions: ["1K": flash31.dimensions["1K"]!]
    )

    public static let pro3 = ImageModelFamily(
        id: "gemini-3-pro-image",
        displayName: "Gemini 3 Pro Image",
        aspectRatios: tenRatios,
        imageSizes: ["1K", "2K", "4K"],
        defaultImageSize: "1K",
        maxInputImages: 14,
        thinkingLevels: [],
        supportsGrounding: true,
        supportsImageSearch: false,
        requiresThoughtSignatures: true,
        tokensPerImage: ["1K": 1120, "2K": 1120, "4K": 2000],
        inputTokensPerImage: 1120,
        dimensions: [
            "1K": [
                "1:1": (1024, 1024), "2:3": (848, 1264), "3:2": (1264, 848), "3:4": (896, 1200), "4:3": (1200, 896),
                "4:5": (928, 1152), "5:4": (1152, 928), "9:16": (768, 1376), "16:9": (1376, 768), "21:9": (1584, 672),
            ],
            "2K": [
                "1:1": (2048, 2048), "2:3": (1696, 2528), "3:2": (2528, 1696), "3:4": (1792, 2400), "4:3": (2400, 1792),
                "4:5": (1856, 2304), "5:4": (2304, 1856), "9:16": (1536, 2752), "16:9": (2752, 1536), "21:9": (3168, 1344),
            ],
            "4K": [
                "1:1": (4096, 4096), "2:3": (3392, 5056), "3:2": (5056, 3392), "3:4": (3584, 4800), "4:3": (4800, 3584),
                "4:5": (3712, 4608), "5:4": (4608, 3712), "9:16": (3072, 5504), "16:9": (5504, 3072), "21:9": (6336, 2688),
            ],
        ]
    )
}
