import Foundation

/// Why the model stopped.
public struct FinishReason: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let stop: FinishReason = "STOP"
    public static let maxTokens: FinishReason = "MAX_TOKENS"
    public static let safety: FinishReason = "SAFETY"
    public static let recitation: FinishReason = "RECITATION"
    public static let blocklist: FinishReason = "BLOCKLIST"
    public static let prohibitedContent: FinishReason = "PROHIBITED_CONTENT"
    public static let spii: FinishReason = "SPII"
    public static let imageSafety: FinishReason = "IMAGE_SAFETY"
    public static let imageProhibitedContent: FinishReason = "IMAGE_PROHIBITED_CONTENT"
    public static let imageRecitation: FinishReason = "IMAGE_RECITATION"
    public static let imageOther: FinishReason = "IMAGE_OTHER"
    public static let noImage: FinishReason = "NO_IMAGE"
    public static let other: FinishReason = "OTHER"

    /// Whether the reason is a safety or policy refusal rather than a normal end.
    public var isSafetyBlock: Bool {
        [.safety, .recitation, .blocklist, .prohibitedContent, .spii, .imageSafety, .imageProhibitedContent, .imageRecitation]
            .contains(self)
    }
}
