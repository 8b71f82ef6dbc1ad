import Foundation

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
