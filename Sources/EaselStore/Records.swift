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

/// What a tenant may use, granted by the platform admin (retention is also the tenant
/// admins' to set). nil: no limit, or for the per-minute rates the server's default.
public struct TenantLimits: Sendable, Equatable {
    public var monthlyImageQuota: Int?
    public var monthlyTokenBudget: Int?
    /// Generations running at once; more wait in the queue.
    public var maxConcurrentGenerations: Int?
    /// Generations waiting on top of the running ones; past that, requests are refused.
    public var maxQueuedGenerations: Int?
    /// Generation requests per minute per API key and per user; 0 turns the limit off.
    public var apiKeyRequestsPerMinute: Int?
    public var userRequestsPerMinute: Int?
    /// Whether blocked and image-less results count against the quotas.
    public var quotaCountsImageless: Bool
    /// Days after which images are deleted; nil keeps them.
    public var imageRetentionDays: Int?

    public init(
        monthlyImageQuota: Int? = nil, monthlyTokenBudget: Int? = nil, maxConcurrentGenerations: Int? = nil,
        maxQueuedGenerations: Int? = nil, apiKeyRequestsPerMinute: Int? = nil, userRequestsPerMinute: Int? = nil,
        quotaCountsImageless: Bool = false, imageRetentionDays: Int? = nil
    ) {
        self.monthlyImageQuota = monthlyImageQuota
        self.monthlyTokenBudget = monthlyTokenBudget
        self.maxConcurrentGenerations = maxConcurrentGenerations
        self.maxQueuedGenerations = maxQueuedGenerations
        self.apiKeyRequestsPerMinute = apiKeyRequestsPerMinute
        self.userRequestsPerMinute = userRequestsPerMinute
        self.quotaCountsImageless = quotaCountsImageless
        self.imageRetentionDays = imageRetentionDays
    }
}

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

/// A row of the audit log.
public struct AuditRecord: Sendable, Equatable {
    public var id: Int64
    public var tenantID: UUID?
    public var actorUserID: UUID?
    public var actor: String?
    public var action: String
    public var targetType: String?
    public var targetID: String?
    public var detailsJSON: String
    public var clientIP: String?
    public var requestID: String?
    public var createdAt: Date
}

/// A page of a keyset-paginated list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Pass back as `cursor` for the next page; nil on the last page.
    public var nextCursor: String?
}

/// The position after a row in a list ordered by (created_at, id): opaque to clients.
///
/// The time is kept as whole microseconds, exactly as PostgreSQL stores it: a `Date` (a Double)
/// cannot hold today's timestamps to the microsecond, and a cursor a microsecond early would
/// repeat its row on the next page.
public struct Cursor: Sendable, Equatable {
    public var micros: Int64
    public var id: String

    public init(micros: Int64, id: String) {
        self.micros = micros
        self.id = id
    }

    public var encoded: String {
        Data("\(micros)|\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads a cursor a client passed back; a malformed one is a ``ValidationError`` on `cursor`.
    public init(decoding raw: String) throws(ValidationError) {
        var base64 = raw.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError(field: "cursor", message: "is not a cursor this API returned")
        }
        let parts = text.split(separator: "|", maxSplits: 1)
        // Between 1970 and 2200: anything else was not made by this API (and would overflow SQL intervals).
        guard parts.count == 2, let micros = Int64(parts[0]), (0...7_258_118_400_000_000).contains(micros) else {
            throw ValidationError(field: "cursor", message: "is not a cursor this API returned")
        }
        self.micros = micros
        self.id = String(parts[1])
    }

    /// The select-list expression that yields the cursor microseconds of the timestamp `column` (a
    /// list's last column: see `Page`).
    static func microsColumn(_ column: String = "created_at") -> String { "(extract(epoch FROM \(column)) * 1000000)::bigint" }
}
