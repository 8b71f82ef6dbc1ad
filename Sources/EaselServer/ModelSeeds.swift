import EaselCore
import EaselStore

/// Google's image models, as a fresh installation offers them.
public enum ModelSeeds {
    public static var all: [ModelFields] {
        [
            seed(
                "Nano Banana",
                "gemini-2.5-flash-image",
                10,
                "Gemini 2.5 Flash Image: fast and efficient, for high volumes and low latency; 1024 px images."
            ),
            seed(
                "Nano Banana 2",
                "gemini-3.1-flash-image-preview",
                20,
                "Gemini 3.1 Flash Image: the best balance of quality, cost and latency; 512 px to 4K, adjustable thinking, search grounding."
            ),
            seed(
                "Nano Banana Pro",
                "gemini-3-pro-image-preview",
                30,
                "Gemini 3 Pro Image: for professional assets and complex instructions; thinks before drawing, up to 4K, search grounding."
            ),
        ]
    }

    static func seed(_ name: String, _ apiModel: String, _ order: Int, _ description: String) -> ModelFields {
        ModelFields(
            name: name,
            apiModel: apiModel,
            description: description,
            groupName: "Image generation",
            sortOrder: order,
            capabilities: ModelCapabilities.defaults(forModel: apiModel) ?? .unknownModel
        )
    }
}
