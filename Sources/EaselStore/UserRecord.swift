import EaselCore
import Foundation

/// A user as stored. `passwordHash` never leaves the server.
public struct UserRecord: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case active, invited, disabled }

    public var id: UUID
    public var tenantID: UUID?
    public var email: String
    public var displayName: String
    public var role: Role
    public var status: Status
    public var passwordHash: String?
    public var passwordChangedAt: Date?
    public var lastLoginAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
}
