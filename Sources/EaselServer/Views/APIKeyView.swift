import EaselStore
import Foundation
import Hummingbird

/// An API key as the API shows it; the secret only once, in the answer to its creation.
struct APIKeyView: ResponseEncodable {
    var id: UUID
    var name: String
    var prefix: String
    var createdAt: Date
    @NullEncoded var expiresAt: Date?
    @NullEncoded var lastUsedAt: Date?
    @NullEncoded var revokedAt: Date?
    /// The key itself: present once, in the answer to its creation, and left out otherwise.
    var secret: String?

    init(_ key: APIKeyRecord, secret: String? = nil) {
        id = key.id
        name = key.name
        prefix = key.prefix
        createdAt = key.createdAt
        expiresAt = key.expiresAt
        lastUsedAt = key.lastUsedAt
        revokedAt = key.revokedAt
        self.secret = secret
    }
}
