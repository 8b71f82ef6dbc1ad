import Gemini

/// The body of a `countTokens` call as it goes upstream: the client's, with the config's system
/// instruction in front, so the count is the one the real call's `promptTokenCount` gives.
enum CountTokensBody {
    /// `body` with `instruction` first in its system instruction. Google's `countTokens` takes
    /// either `contents` or a whole `generateContentRequest`; only the latter holds a system
    /// instruction, so bare `contents` (what the SDKs send) are wrapped in one for `model`.
    /// Either casing of the client's field names is kept as sent.
    static func withInstruction(_ instruction: String, model: String, body: JSONValue) -> JSONValue {
        guard !instruction.isEmpty, case .object(var top) = body else { return body }
        let first = JSONValue.object(["text": .string(instruction)])
        for key in ["generateContentRequest", "generate_content_request"] {
            guard case .object(var request)? = top[key] else { continue }
            let instructionKey = request["system_instruction"] != nil ? "system_instruction" : "systemInstruction"
            var system: [String: JSONValue] = [:]
            if case .object(let existing)? = request[instructionKey] { system = existing }
            system["parts"] = .array([first] + (system["parts"]?.arrayValue ?? []))
            request[instructionKey] = .object(system)
            top[key] = .object(request)
            return .object(top)
        }
        guard let contents = top.removeValue(forKey: "contents") else { return body }
        top["generateContentRequest"] = .object([
            "model": .string("models/" + model),
            "contents": contents,
            "systemInstruction": .object(["parts": .array([first])]),
        ])
        return .object(top)
    }
}
