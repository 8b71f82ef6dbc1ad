import Foundation

/// A coding key for any field name.
struct WireKey: CodingKey, Hashable {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The snake_case spelling of a camelCase field name (`inlineData` → `inline_data`).
func snakeCase(_ camel: String) -> String {
    var result = ""
    for character in camel {
        if character.isUppercase {
            result.append("_")
            result.append(contentsOf: character.lowercased())
        } else {
            result.append(character)
        }
    }
    return result
}

/// Reads a JSON object the way Google's API does: each field by its camelCase or snake_case
/// name, and every field it was not asked for kept aside as ``JSONValue``s.
struct WireReader {
    let container: KeyedDecodingContainer<WireKey>
    private var consumed: Set<String> = []

    init(_ decoder: any Decoder) throws {
        container = try decoder.container(keyedBy: WireKey.self)
    }

    /// The field `camelName` (or its snake_case spelling), or nil when absent or null.
    mutating func read<T: Decodable>(_ camelName: String, as type: T.Type = T.self) throws -> T? {
        let snake = snakeCase(camelName)
        for name in camelName == snake ? [camelName] : [camelName, snake] {
            let key = WireKey(name)
            guard container.contains(key) else { continue }
            consumed.insert(name)
            if let value = try container.decodeIfPresent(T.self, forKey: key) { return value }
        }
        return nil
    }

    /// The fields no `read` asked for.
    func unknownFields() throws -> [String: JSONValue] {
        var unknown: [String: JSONValue] = [:]
        for key in container.allKeys where !consumed.contains(key.stringValue) {
            unknown[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
        return unknown
    }
}

/// Writes a JSON object with camelCase field names, then the unknown fields read earlier.
struct WireWriter {
    var container: KeyedEncodingContainer<WireKey>

    init(_ encoder: any Encoder) {
        container = encoder.container(keyedBy: WireKey.self)
    }

    mutating func write<T: Encodable>(_ value: T?, _ camelName: String) throws {
        guard let value else { return }
        try container.encode(value, forKey: WireKey(camelName))
    }

    mutating func write(unknown: [String: JSONValue]) throws {
        for (name, value) in unknown {
            try container.encode(value, forKey: WireKey(name))
        }
    }
}

/// A string-valued enumeration whose unknown values are kept rather than refused.
///
/// Google adds finish and block reasons over time; a response carrying one this client has not
/// heard of still decodes, with the new value in `rawValue`.
public protocol OpenEnum: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
where RawValue == String {
    init(rawValue: String)
}

extension OpenEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

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

extension JSONEncoder {
    /// JSON as Google writes it: `/` in base64 is not escaped as `\/`.
    public static var google: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}
