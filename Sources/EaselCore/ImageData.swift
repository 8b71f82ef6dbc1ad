import Foundation

/// Bytes of an input or output image, with what was read from its header.
public struct ImageData: Sendable {
    public var data: Data
    public var mimeType: String
    public var width: Int?
    public var height: Int?
    public var thoughtSignature: String?

    public init(data: Data, mimeType: String, width: Int?, height: Int?, thoughtSignature: String? = nil) {
        self.data = data
        self.mimeType = mimeType
        self.width = width
        self.height = height
        self.thoughtSignature = thoughtSignature
    }
}
