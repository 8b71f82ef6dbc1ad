import EaselCore
import Foundation

/// A tenant as stored.
public struct TenantRecord: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case active, suspended }

    public var id: UUID
    public var name: String
    public var slug: String
    public var status: Status
    public var limits: TenantLimits
    public var createdAt: Date
    public var updatedAt: Date
}
