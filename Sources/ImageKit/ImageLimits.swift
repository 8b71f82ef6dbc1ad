/// Bounds on what is decoded, whatever the format: an image declaring more pixels than this is
/// refused before any raster is allocated.
public enum ImageLimits {
    /// 40 million pixels: above Gemini's largest output (4K at 8:1, 12288 × 1536 = 19 MP).
    public static let maxPixels = 40_000_000
}
