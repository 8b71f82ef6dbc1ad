import Foundation

/// An image the model returned.
public struct GeneratedImage: Sendable, Hashable {
    public var data: Data
    public var mimeType: String
    /// The format its bytes show, whatever `mimeType` declares (nil if none Easel reads).
    public var format: ImageInfo.Format?
    /// Size read from the image's own header (nil if the bytes are not a known format).
    public var width: Int?
    public var height: Int?
    /// The signature to send back with this image in later turns.
    public var thoughtSignature: String?
    /// Whether the model produced this image while thinking (an interim draft).
    public var isThought: Bool
    /// Where the image sits: candidate index and part index.
    public var candidateIndex: Int
    public var partIndex: Int
}
