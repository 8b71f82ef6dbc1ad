import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// Decodes the JSON body as `T`, refusing wrong content types, bodies over `maxBytes` and
    /// malformed JSON with a 4xx whose message names the problem (and the field, where there is one).
    func decodeJSON<T: Decodable>(
        as type: T.Type,
        context: some RequestContext,
        maxBytes: Int = 1024 * 1024
    ) async throws -> T {
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw AppError(
                .unsupportedMediaType,
                code: "unsupported_media_type",
                message: "Expected Content-Type application/json, got \(contentType)."
            )
        }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw AppError(
                .contentTooLarge,
                code: "payload_too_large",
                message: "The request body is larger than \(maxBytes) bytes."
            )
        }
        guard buffer.readableBytes > 0 else {
            throw AppError.badRequest("The request body is empty; expected a JSON object.", code: "invalid_json")
        }
        // PostgreSQL text cannot hold NUL, and bcrypt stops reading at one: refuse it here, once.
        if Self.containsEscapedNUL(buffer) {
            throw AppError.badRequest("Strings must not contain the NUL character (\\u0000).", code: "invalid_json")
        }
        do {
            return try JSONDecoder.api.decode(T.self, from: buffer)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, let problem = Self.numberProblem(buffer) {
                throw AppError.badRequest(problem, code: "invalid_field")
            }
            throw AppError.badRequest(Self.describe(error), code: "invalid_json")
        }
    }

    /// Why a body that failed to decode without a field path still is valid JSON: the decoder
    /// reports a number its field cannot hold (too large, or with a fraction where a whole number
    /// is expected) as corrupt data. Nil when the body is not valid JSON after all.
    static func numberProblem(_ buffer: ByteBuffer) -> String? {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(buffer: buffer), options: [.fragmentsAllowed])
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? ""
            return reason.contains("not representable") ? "A number in the request body is out of range: \(reason)" : nil
        }
        // The numbers that may be the culprit: those beyond a 64-bit integer, and those with a fraction.
        var suspects: [String] = []
        func walk(_ value: Any, _ path: String) {
            switch value {
            case let object as [String: Any]:
                for (key, child) in object.sorted(by: { $0.key < $1.key }) { walk(child, path.isEmpty ? key : "\(path).\(key)") }
            case let array as [Any]:
                for (index, child) in array.enumerated() { walk(child, "\(path)[\(index)]") }
            case let number as NSNumber:
                let double = number.doubleValue
                if number is NSDecimalNumber || double.rounded() != double || abs(double) >= 9.2e18 { suspects.append(path) }
            default:
                break
            }
        }
        walk(parsed, "")
        if suspects.count == 1 {
            return "Field '\(suspects[0])' is out of range or not a whole number where one is required."
        }
        return "A number in the request body is out of range for its field, or has a fraction where a whole number is required."
    }

    /// Whether the JSON text escapes a NUL (`\u0000`) anywhere; a raw NUL is invalid JSON anyway.
    static func containsEscapedNUL(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { bytes in
            var i = 1
            while i + 5 <= bytes.count {
                if bytes[i - 1] == UInt8(ascii: "\\"), bytes[i] == UInt8(ascii: "u") || bytes[i] == UInt8(ascii: "U"),
                    (1..<5).allSatisfy({ bytes[i + $0] == UInt8(ascii: "0") })
                {
                    // An escaped backslash before it (\\u0000) is text, not a NUL: count the backslashes.
                    var slashes = 0
                    var j = i - 1
                    while j >= 0, bytes[j] == UInt8(ascii: "\\") {
                        slashes += 1
                        j -= 1
                    }
                    if slashes % 2 == 1 { return true }
                }
                i += 1
            }
            return false
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "The request body is not valid JSON."
        case .dataCorrupted(let context):
            return "Field '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "Field '\(path(context.codingPath + [key]))' is required."
        case .valueNotFound(_, let context):
            return "Field '\(path(context.codingPath))' must not be null."
        case .typeMismatch(let type, let context):
            let location = context.codingPath.isEmpty ? "The request body" : "Field '\(path(context.codingPath))'"
            return "\(location) has the wrong type; expected \(Self.jsonTypeName(type))."
        @unknown default:
            return "The request body could not be read."
        }
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int32.Type, is Int64.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is [Any].Type: return "an array"
        default: return type is any Collection.Type ? "an array" : "an object"
        }
    }
}

extension JSONDecoder {
    /// The decoder for API request bodies: ISO-8601 dates.
    static var api: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

extension JSONEncoder {
    /// The encoder of API responses: ISO-8601 dates, URLs written as they are (no `\/`).
    static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}
