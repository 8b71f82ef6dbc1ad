import Crypto
import Foundation

/// Encryption of upstream tokens at rest: AES-GCM under a key derived from `EASEL_SECRET_KEY`.
///
/// Each ciphertext is bound to its row (the model id is the associated data), so a sealed token
/// copied onto another model fails to open instead of routing that model with a foreign key.
public struct SecretBox: Sendable {
    /// The derived key's bytes (swift-crypto's `SymmetricKey` is not `Sendable`).
    let key: Data

    /// A box for `secret` (32 bytes), for one named purpose.
    public init(secret: Data, purpose: String = "easel-upstream-token-v1") {
        self.key = Self.deriveKey(from: secret, purpose: purpose)
    }

    /// A key for one purpose derived from a secret with HKDF-SHA256, so no two uses share a key.
    public static func deriveKey(from secret: Data, purpose: String) -> Data {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: secret), info: Data(purpose.utf8), outputByteCount: 32)
        return key.withUnsafeBytes { Data($0) }
    }

    /// Nonce, ciphertext and tag in one blob.
    public func seal(_ plaintext: String, boundTo id: UUID) throws -> Data {
        let sealed = try AES.GCM.seal(Data(plaintext.utf8), using: SymmetricKey(data: key), authenticating: Self.binding(id))
        guard let combined = sealed.combined else { throw SecretBoxError.cannotSeal }
        return combined
    }

    public func open(_ blob: Data, boundTo id: UUID) throws -> String {
        do {
            let box = try AES.GCM.SealedBox(combined: blob)
            let plaintext = try AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: Self.binding(id))
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw SecretBoxError.cannotOpen
        }
    }

    static func binding(_ id: UUID) -> Data { Data(id.uuidString.lowercased().utf8) }
}

public enum SecretBoxError: Error, CustomStringConvertible {
    case cannotSeal
    /// The ciphertext was made under another key (EASEL_SECRET_KEY changed without `easel
    /// rotate-secret`) or for another row.
    case cannotOpen

    public var description: String {
        switch self {
        case .cannotSeal: return "the token could not be encrypted"
        case .cannotOpen:
            return
                "a stored token cannot be decrypted: EASEL_SECRET_KEY differs from the one it was stored under (use `easel rotate-secret` to change keys)"
        }
    }
}
