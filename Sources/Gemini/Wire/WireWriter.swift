import Foundation

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
