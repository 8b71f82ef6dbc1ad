/// A JSON field of a change request that may be absent (leave as is), null (clear) or a value.
///
/// Synthesized `Decodable` works with it: the `KeyedDecodingContainer` overload below answers
/// `.absent` for a missing key, so a body type needs no hand-written decoder.
enum Patchable<Value: Decodable & Sendable>: Decodable, Sendable {
    case absent
    case null
    case value(Value)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .null : .value(try container.decode(Value.self))
    }

    /// `.some(nil)` for null, `.some(value)` for a value, nil when absent: the shape store patches take.
    var patch: Value?? {
        switch self {
        case .absent: return nil
        case .null: return .some(nil)
        case .value(let value): return .some(value)
        }
    }

    var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }
}

extension KeyedDecodingContainer {
    /// A missing key is `.absent`, not an error.
    func decode<Value>(_ type: Patchable<Value>.Type, forKey key: Key) throws -> Patchable<Value> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(Value.self, forKey: key))
    }
}
