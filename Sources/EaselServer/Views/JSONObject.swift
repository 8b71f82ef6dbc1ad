import EaselStore
import Foundation
import Gemini
import Hummingbird

/// A JSON object passed through as it is stored.
struct JSONObject: Encodable, Sendable {
    let json: String
    func encode(to encoder: any Encoder) throws {
        let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))) ?? .object([:])
        try value.encode(to: encoder)
    }
}
