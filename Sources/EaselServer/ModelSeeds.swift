import EaselCore
import EaselStore

/// Google's image models, as a fresh installation offers them: the ids Google serves as of
/// `ModelCatalog.asOf` (Gemini 2.5 Flash Image was shut down on 2026-10-02).
public enum ModelSeeds {
    public static var all: [ModelFields] {
        [
            seed(
                "Nano Banana 2 Lite",
                "gemini-3.1-flash-lite-image",
                10,
                "Gemini 3.1 Flash Lite Image: the fastest and cheapest, for high volumes; 1K images."
            ),
            seed(
                "Nano Banana 2",
                "gemini-3.1-flash-image",
                20,
                "Gemini 3.1 Flash Image: the best balance of quality, cost and latency; 512 px to 4K, adjustable thinking, search grounding."
            ),
            seed(
                "Nano Banana Pro",
                "gemini-3-pro-image",
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
