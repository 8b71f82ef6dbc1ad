import EaselCore
import Foundation

/// An API key as stored: its hash and visible prefix, never the key.
public struct APIKeyRecord: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    public var userID: UUID
    public var name: String
    public var prefix: String
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    public var createdAt: Date
}
