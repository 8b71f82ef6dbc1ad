import Foundation

/// Why the prompt itself was refused.
public struct BlockReason: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let safety: BlockReason = "SAFETY"
    public static let other: BlockReason = "OTHER"
    public static let blocklist: BlockReason = "BLOCKLIST"
    public static let prohibitedContent: BlockReason = "PROHIBITED_CONTENT"
    public static let imageSafety: BlockReason = "IMAGE_SAFETY"
}
