import Foundation
import Gemini

/// The thought signatures the simulator hands out, made so that it can tell its own from edited
/// or invented ones without remembering any: base64 of `sim-sig:<uuid>:<tag>`, the tag a keyed
/// hash of the uuid. Google's signatures are opaque and checked the same strict way.
enum ThoughtSignatures {
    /// Values Google documents as always accepted, for histories whose signatures were lost.
    static let dummies: Set<String> = ["context_engineering_is_the_way_to_go", "skip_thought_signature_validator"]
    static let prefix = "sim-sig:"
    // Fixed, so signatures stay valid across simulator restarts (a test replays what another
    // process received). It only has to catch edits, not resist an attacker.
    static let key = "easel-gemini-simulator-thought-signature"

    static func issue() -> String {
        let id = UUID().uuidString.lowercased()
        return Data((prefix + id + ":" + tag(id)).utf8).base64EncodedString()
    }

    /// Whether `signature` is one `issue()` made, unchanged, or a documented dummy.
    static func isValid(_ signature: String) -> Bool {
        if dummies.contains(signature) { return true }
        guard let data = Base64.decode(signature), let text = String(data: data, encoding: .utf8), text.hasPrefix(prefix) else {
            return false
        }
        let fields = text.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2, UUID(uuidString: String(fields[0])) != nil else { return false }
        return String(fields[1]) == tag(String(fields[0]))
    }

    /// FNV-1a (64 bits) over key and id, as 16 hex digits: Foundation on Linux has no SHA-256.
    static func tag(_ id: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (key + ":" + id).utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
