/// Whether an image's real size has the aspect ratio that was asked for.
public enum AspectRatioCheck {
    /// Google's sizes round to multiples of 16, so a ratio within 3% counts as honoured
    /// (16:9 comes back as 1376×768, 0.8% off).
    public static func matches(width: Int, height: Int, ratio: String, tolerance: Double = 0.03) -> Bool {
        let parts = ratio.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 2, parts[1] > 0, height > 0 else { return false }
        let wanted = parts[0] / parts[1]
        let actual = Double(width) / Double(height)
        return abs(actual - wanted) / wanted <= tolerance
    }
}
