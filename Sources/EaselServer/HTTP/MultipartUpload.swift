import Foundation
import MultipartKit
import NIOCore

/// A `multipart/form-data` body, read whole (the route caps its size first): text fields and
/// files by their form names.
struct MultipartUpload {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var data: Data
    }

    var parts: [Part]

    /// The `boundary` parameter of a multipart Content-Type.
    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }

    static func parse(_ buffer: ByteBuffer, boundary: String) throws -> MultipartUpload {
        let parser = MultipartParser(boundary: boundary)
        var parts: [Part] = []
        var headers: [(String, String)] = []
        var body = ByteBuffer()
        parser.onHeader = { headers.append(($0, $1)) }
        parser.onBody = { body.writeBuffer(&$0) }
        parser.onPartComplete = {
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            let parameters = Self.dispositionParameters(disposition)
            parts.append(
                Part(
                    name: parameters["name"] ?? "",
                    filename: parameters["filename"],
                    contentType: headers.first { $0.0.lowercased() == "content-type" }?.1.trimmingCharacters(in: .whitespaces),
                    data: Data(buffer: body)
                )
            )
            headers = []
            body.clear()
        }
        do {
            try parser.execute(buffer)
        } catch {
            throw AppError.badRequest("The multipart/form-data body is malformed (boundary \(boundary)).", code: "invalid_multipart")
        }
        guard !parts.isEmpty else {
            throw AppError.badRequest("The multipart/form-data body has no parts; is the boundary right?", code: "invalid_multipart")
        }
        return MultipartUpload(parts: parts)
    }

    /// `form-data; name="images"; filename="a.png"` → ["name": "images", "filename": "a.png"].
    static func dispositionParameters(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            result[key] = value
        }
        return result
    }

    /// The first text field named `name` (a part without a filename).
    /// The first text part named `name`; nil when absent or empty (an empty form field is unset).
    func text(_ name: String) -> String? { texts(name).first.flatMap { $0.isEmpty ? nil : $0 } }

    func texts(_ name: String) -> [String] {
        parts.filter { $0.name == name && $0.filename == nil }.map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// File parts named `name` (browsers send an empty one when nothing was picked: skipped).
    func files(_ name: String) -> [Part] {
        parts.filter { $0.name == name && $0.filename != nil && !($0.data.isEmpty && $0.filename == "") }
    }
}
