import Foundation

/// Base64 as Google writes it (standard alphabet, padded) and reads it (standard or URL-safe,
/// padded or not).
public enum Base64 {
    /// Decodes standard or URL-safe base64, with or without padding; nil when it is neither.
    public static func decode(_ text: String) -> Data? {
        if let data = Data(base64Encoded: text) { return data }
        // URL-safe or unpadded: normalise once, then decode.
        var normalized = String()
        normalized.reserveCapacity(text.utf8.count + 3)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "-": normalized.unicodeScalars.append("+")
            case "_": normalized.unicodeScalars.append("/")
            case "\n", "\r", " ": continue
            default: normalized.unicodeScalars.append(scalar)
            }
        }
        let remainder = normalized.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { normalized.append(String(repeating: "=", count: 4 - remainder)) }
        return Data(base64Encoded: normalized)
    }
}
