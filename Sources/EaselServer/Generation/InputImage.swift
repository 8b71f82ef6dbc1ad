import EaselCore
import EaselStore
import Foundation
import Gemini

/// An input image as a caller sent it: a base64 string or `data:` URL, `{"mimeType", "data"}`
/// in JSON, a file part of a multipart upload, or Gemini's `inlineData`. It is judged by its
/// bytes, whatever it claims to be.
struct InputImage: Decodable, Sendable {
    var mimeType: String?
    /// Base64 or a `data:` URL; empty when `bytes` is set.
    var data: String
    /// The bytes of an uploaded file or decoded `inlineData` (no base64).
    var bytes: Data?

    /// The largest input image accepted.
    static let maxBytes = 15 * 1024 * 1024

    init(mimeType: String?, bytes: Data) {
        self.mimeType = mimeType
        self.data = ""
        self.bytes = bytes
    }

    init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            data = text
            return
        }
        let c = try decoder.container(keyedBy: Keys.self)
        mimeType = try c.decodeIfPresent(String.self, forKey: .mimeType)
        data = try c.decode(String.self, forKey: .data)
    }

    enum Keys: String, CodingKey { case mimeType, data }

    /// Decodes and checks the image by its bytes; errors name `field`.
    func decoded(field: String) throws -> ImageData {
        var declared = mimeType
        let tooLarge = AppError(
            .contentTooLarge,
            code: "image_too_large",
            message: "\(field) is larger than \(Self.maxBytes / 1024 / 1024) MB.",
            field: field
        )
        let data: Data
        if let bytes {
            guard bytes.count <= Self.maxBytes else { throw tooLarge }
            guard !bytes.isEmpty else { throw AppError.validation(ValidationError(field: field, message: "is an empty file")) }
            // Browsers send what they do not recognise as application/octet-stream: judge by the bytes.
            if declared?.lowercased() == "application/octet-stream" { declared = nil }
            data = bytes
        } else {
            var text = self.data
            if text.hasPrefix("data:"), let comma = text.firstIndex(of: ",") {
                let header = text[text.index(text.startIndex, offsetBy: 5)..<comma]
                declared = declared ?? header.split(separator: ";").first.map(String.init)
                text = String(text[text.index(after: comma)...])
            }
            guard text.utf8.count <= (Self.maxBytes / 3 + 1) * 4 else { throw tooLarge }
            guard let decoded = Base64.decode(text), !decoded.isEmpty else {
                throw AppError.validation(ValidationError(field: field, message: "is not base64"))
            }
            guard decoded.count <= Self.maxBytes else { throw tooLarge }
            data = decoded
        }
        guard let info = ImageInfo.read(data) else {
            throw AppError(
                .unsupportedMediaType,
                code: "unsupported_image",
                message: "\(field) is not a PNG, JPEG, WebP or HEIC/HEIF image (judged by its bytes).",
                field: field
            )
        }
        if let declared, declared.lowercased() != info.format.mimeType,
            !(info.format == .jpeg && declared.lowercased() == "image/jpg")
        {
            throw AppError.validation(
                ValidationError(field: field, message: "is declared \(declared) but its bytes are \(info.format.rawValue.uppercased())")
            )
        }
        return ImageData(data: data, mimeType: info.format.mimeType, width: info.width, height: info.height)
    }
}
