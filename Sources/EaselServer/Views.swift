import EaselCore
import EaselStore
import Foundation
import Gemini
import Hummingbird

/// JSON shapes of the API. Optional fields are written as `null`, never left out, so clients
/// see every field of a type on every response.
struct UserView: ResponseEncodable {
    var id: UUID
    var tenantId: UUID?
    var email: String
    var displayName: String
    var role: Role
    var status: UserRecord.Status
    var createdAt: Date
    var lastLoginAt: Date?

    init(_ user: UserRecord) {
        id = user.id
        tenantId = user.tenantID
        email = user.email
        displayName = user.displayName
        role = user.role
        status = user.status
        createdAt = user.createdAt
        lastLoginAt = user.lastLoginAt
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(tenantId, forKey: .tenantId)
        try c.encode(email, forKey: .email)
        try c.encode(displayName, forKey: .displayName)
        try c.encode(role, forKey: .role)
        try c.encode(status, forKey: .status)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(lastLoginAt, forKey: .lastLoginAt)
    }

    enum CodingKeys: String, CodingKey { case id, tenantId, email, displayName, role, status, createdAt, lastLoginAt }
}

/// A tenant's limits as the API shows them: every field always present, null for none (or,
/// for the per-minute rates, the server's default).
struct LimitsView: Encodable, Sendable {
    var limits: TenantLimits

    init(_ limits: TenantLimits) { self.limits = limits }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(limits.monthlyImageQuota, forKey: .monthlyImageQuota)
        try c.encode(limits.monthlyTokenBudget, forKey: .monthlyTokenBudget)
        try c.encode(limits.maxConcurrentGenerations, forKey: .maxConcurrentGenerations)
        try c.encode(limits.maxQueuedGenerations, forKey: .maxQueuedGenerations)
        try c.encode(limits.apiKeyRequestsPerMinute, forKey: .apiKeyRequestsPerMinute)
        try c.encode(limits.userRequestsPerMinute, forKey: .userRequestsPerMinute)
        try c.encode(limits.quotaCountsImageless, forKey: .quotaCountsImagelessResults)
        try c.encode(limits.imageRetentionDays, forKey: .imageRetentionDays)
    }

    enum CodingKeys: String, CodingKey {
        case monthlyImageQuota, monthlyTokenBudget, maxConcurrentGenerations, maxQueuedGenerations, apiKeyRequestsPerMinute,
            userRequestsPerMinute, quotaCountsImagelessResults, imageRetentionDays
    }
}

struct TenantView: ResponseEncodable {
    var id: UUID
    var name: String
    var slug: String
    var status: TenantRecord.Status
    var limits: LimitsView
    var createdAt: Date
    var updatedAt: Date

    init(_ tenant: TenantRecord) {
        id = tenant.id
        name = tenant.name
        slug = tenant.slug
        status = tenant.status
        limits = LimitsView(tenant.limits)
        createdAt = tenant.createdAt
        updatedAt = tenant.updatedAt
    }
}

struct APIKeyView: ResponseEncodable {
    var id: UUID
    var name: String
    var prefix: String
    var createdAt: Date
    var expiresAt: Date?
    var lastUsedAt: Date?
    var revokedAt: Date?
    /// The key itself: present once, in the answer to its creation.
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

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(prefix, forKey: .prefix)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(lastUsedAt, forKey: .lastUsedAt)
        try c.encode(revokedAt, forKey: .revokedAt)
        try c.encodeIfPresent(secret, forKey: .secret)
    }

    enum CodingKeys: String, CodingKey { case id, name, prefix, createdAt, expiresAt, lastUsedAt, revokedAt, secret }
}

struct AuditView: ResponseEncodable {
    var id: Int64
    var tenantId: UUID?
    var actorUserId: UUID?
    var actor: String?
    var action: String
    var targetType: String?
    var targetId: String?
    var details: JSONObject
    var clientIp: String?
    var requestId: String?
    var createdAt: Date

    init(_ record: AuditRecord) {
        id = record.id
        tenantId = record.tenantID
        actorUserId = record.actorUserID
        actor = record.actor
        action = record.action
        targetType = record.targetType
        targetId = record.targetID
        details = JSONObject(json: record.detailsJSON)
        clientIp = record.clientIP
        requestId = record.requestID
        createdAt = record.createdAt
    }
}

/// A JSON object passed through as it is stored.
struct JSONObject: Encodable, Sendable {
    let json: String
    func encode(to encoder: any Encoder) throws {
        let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))) ?? .object([:])
        try value.encode(to: encoder)
    }
}

/// A page of a list: `{"items": [...], "nextCursor": "..." | null}`.
struct PageView<Item: Encodable & Sendable>: ResponseEncodable {
    var items: [Item]
    var nextCursor: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }

    enum CodingKeys: String, CodingKey { case items, nextCursor }
}

/// `limit` and `cursor` of a list request.
struct PageRequest {
    var limit: Int
    var cursor: Cursor?

    init(_ request: Request, defaultLimit: Int = 50, maxLimit: Int = 200) throws {
        let query = request.uri.queryParameters
        if let raw = query.get("limit") {
            guard let value = Int(raw), (1...maxLimit).contains(value) else {
                throw AppError.badRequest("limit must be a whole number from 1 to \(maxLimit).", code: "invalid_field")
            }
            limit = value
        } else {
            limit = defaultLimit
        }
        cursor = try query.get("cursor").map { try Cursor(decoding: $0) }
    }
}

extension Request {
    /// A UUID path parameter; anything else is a 404, since no such resource can exist.
    func uuidParameter(_ name: String, context: AppRequestContext, resource: String) throws -> UUID {
        guard let raw = context.parameters.get(name), let id = UUID(uuidString: raw) else {
            throw AppError.notFound("No \(resource) with that id.")
        }
        return id
    }

    /// An optional query parameter; empty counts as absent.
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : String($0) }
    }

    /// An optional UUID query parameter, with a 400 naming it when malformed.
    func uuidQuery(_ name: String) throws -> UUID? {
        guard let raw = query(name) else { return nil }
        guard let id = UUID(uuidString: raw) else { throw AppError.validation(ValidationError(field: name, message: "is not a UUID")) }
        return id
    }

    /// An optional ISO-8601 date (`2026-11-01`, UTC midnight) or time query parameter, with a
    /// 400 naming it when malformed.
    func dateQuery(_ name: String) throws -> Date? {
        guard let raw = query(name) else { return nil }
        if let date = try? Date(raw, strategy: .iso8601) { return date }
        if let day = try? Date(raw, strategy: Date.ISO8601FormatStyle().year().month().day()) { return day }
        throw AppError.validation(ValidationError(field: name, message: "is not an ISO-8601 date such as 2026-11-01 or 2026-11-01T12:00:00Z"))
    }
}

extension PolicyError {
    var appError: AppError {
        switch self {
        case .forbidden(let message): return AppError(.forbidden, code: "forbidden", message: message)
        case .notFound: return AppError.notFound()
        }
    }
}

/// Decodes a JSON field that may be absent (leave as is), null (clear) or a value.
enum Patchable<Value: Decodable & Sendable>: Sendable {
    case absent
    case null
    case value(Value)

    /// `.some(nil)` for null, `.some(value)` for a value, nil when absent: the shape store patches take.
    var patch: Value?? {
        switch self {
        case .absent: return nil
        case .null: return .some(nil)
        case .value(let value): return .some(value)
        }
    }
}

extension KeyedDecodingContainer {
    func decodePatchable<Value: Decodable & Sendable>(_ type: Value.Type, forKey key: Key) throws -> Patchable<Value> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(Value.self, forKey: key))
    }
}
