import EaselCore
import Gemini

extension ModelCapabilities {
    /// The capabilities of a known model family, or nil for a model Easel does not know.
    static func defaults(forModel apiModel: String) -> ModelCapabilities? {
        guard let family = ImageModelFamily.family(ofModel: apiModel) else { return nil }
        return ModelCapabilities(
            maxInputImages: family.maxInputImages,
            aspectRatios: family.aspectRatios,
            imageSizes: family.imageSizes,
            thinkingLevels: family.thinkingLevels,
            groundingAllowed: family.supportsGrounding,
            imageSearchAllowed: family.supportsImageSearch,
            defaultAspectRatio: "1:1",
            defaultImageSize: family.defaultImageSize
        )
    }
}
