import Foundation

extension JSONEncoder {
    /// JSON as Google writes it: `/` in base64 is not escaped as `\/`.
    public static var google: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}
