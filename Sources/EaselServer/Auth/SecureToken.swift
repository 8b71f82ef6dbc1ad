import Crypto
import Foundation

/// Random secrets handed to clients (session cookies, API keys, set-password links) and the
/// SHA-256 digests stored in their place.
enum SecureToken {
    /// 32 random bytes, base64url without padding (43 characters).
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64URLEncoded
    }

    static func sha256(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// The CSRF token of a session: an HMAC of its cookie token under the server's secret, so it
    /// can be handed out again (on `/api/v1/me`) without being stored.
    static func csrfToken(forSession sessionToken: String, key: Data) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(("csrf:" + sessionToken).utf8), using: SymmetricKey(data: key))).base64URLEncoded
    }

    /// Compares in time that does not depend on where the strings differ.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
