import Foundation

/// `TEXT`, `IMAGE`, or a modality added later.
public struct Modality: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let text: Modality = "TEXT"
    public static let image: Modality = "IMAGE"
}
