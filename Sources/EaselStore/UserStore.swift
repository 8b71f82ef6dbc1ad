import EaselCore
import Foundation
import Logging
import PostgresNIO

/// Users of every tenant, and the platform admins. Reads take a ``TenantScope`` and filter by it.
public struct UserStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns = """
        id, tenant_id, email, display_name, role, status, password_hash, password_changed_at, last_login_at, created_at, updated_at
        """

    static func record(_ row: PostgresRow) throws -> UserRecord {
        let (id, tenantID, email, displayName, role, status, hash, changed, lastLogin, created, updated) = try row.decode(
            (UUID, UUID?, String, String, String, String, String?, Date?, Date?, Date, Date).self
        )
        return UserRecord(
            id: id,
            tenantID: tenantID,
            email: email,
            displayName: displayName,
            role: Role(rawValue: role) ?? .member,
            status: UserRecord.Status(rawValue: status) ?? .disabled,
            passwordHash: hash,
            passwordChangedAt: changed,
            lastLoginAt: lastLogin,
            createdAt: created,
            updatedAt: updated
        )
    }

    public struct NewUser: Sendable {
        public var tenantID: UUID?
        public var email: EmailAddress
        public var displayName: String
        public var role: Role
        /// nil creates an invited user who sets a password through a one-time link.
        public var passwordHash: String?

        public init(tenantID: UUID?, email: EmailAddress, displayName: String, role: Role, passwordHash: String?) {
            self.tenantID = tenantID
            self.email = email
            self.displayName = displayName
            self.role = role
            self.passwordHash = passwordHash
        }
    }

    /// Creates a user (active with a password, or invited without) and audits it.
    ///
    /// - Throws: ``StoreError/conflict(_:)`` when the e-mail is taken.
    public func create(_ user: NewUser, audit: AuditEntry) async throws -> UserRecord {
        try await Transaction.run(client, logger: logger, conflict: "a user with e-mail \(user.email) already exists") { connection in
            let status = user.passwordHash == nil ? "invited" : "active"
            let changedAt: Date? = user.passwordHash == nil ? nil : Date()
            let rows = try await connection.query(
                """
                INSERT INTO users (tenant_id, email, display_name, role, password_hash, status, password_changed_at)
                VALUES (\(user.tenantID), \(user.email.value), \(user.displayName), \(user.role.rawValue), \(user.passwordHash),
                        \(status), \(changedAt))
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            let record = try Self.record(try await rows.collect().first!)
            var audit = audit
            audit.tenantID = record.tenantID
            audit.targetType = "user"
            audit.targetID = record.id.uuidString.lowercased()
            audit.detailsJSON = AuditDetails.json(["email": record.email, "role": record.role.rawValue, "status": status])
            try await audit.insert(on: connection, logger: logger)
            return record
        }
    }

    /// Kept for the operator's `create-admin`.
    public func createPlatformAdmin(email: EmailAddress, displayName: String, passwordHash: String, audit: AuditEntry) async throws -> UUID {
        try await create(
            NewUser(tenantID: nil, email: email, displayName: displayName, role: .platformAdmin, passwordHash: passwordHash),
            audit: audit
        ).id
    }

    public func get(_ id: UUID, scope: TenantScope) async throws -> UserRecord? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM users
            WHERE id = \(id) AND (\(scope.tenantID)::uuid IS NULL OR tenant_id = \(scope.tenantID))
            """,
            logger: logger
        )
        return try await rows.collect().first.map(Self.record)
    }

    /// The user with this e-mail, for log-in.
    public func find(email: String) async throws -> UserRecord? {
        let rows = try await client.query("SELECT \(unescaped: Self.columns) FROM users WHERE email = \(email)", logger: logger)
        return try await rows.collect().first.map(Self.record)
    }

    /// Users visible in `scope`, optionally of one tenant, oldest first.
    public func list(scope: TenantScope, tenantID: UUID?, limit: Int, after cursor: Cursor?) async throws -> Page<UserRecord> {
        let tenantFilter = scope.tenantID ?? tenantID
        let afterMicros = cursor?.micros
        let afterID = cursor.flatMap { UUID(uuidString: $0.id) }
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns), \(unescaped: Cursor.microsColumn()) FROM users
            WHERE (\(tenantFilter)::uuid IS NULL OR tenant_id = \(tenantFilter))
              AND (\(afterMicros)::bigint IS NULL
                   OR (created_at, id) > (timestamptz 'epoch' + \(afterMicros)::bigint * interval '1 microsecond', \(afterID)))
            ORDER BY created_at, id LIMIT \(limit + 1)
            """,
            logger: logger
        )
        return try await Page(rows, limit: limit, decode: Self.record) { $0.id.uuidString }
    }

    public struct Patch: Sendable {
        public var displayName: String?
        public var role: Role?
        public var status: UserRecord.Status?
        public init() {}
    }

    public enum UpdateError: Error, Equatable {
        /// The change would leave the tenant without an active owner.
        case lastOwner
    }

    /// Applies `patch` to a user in `scope`; a user who is disabled loses every session.
    /// Returns the user before and after, or nil when there is no such user in scope.
    public func update(_ id: UUID, scope: TenantScope, _ patch: Patch, audit: AuditEntry) async throws -> (before: UserRecord, after: UserRecord)? {
        try await Transaction.run(client, logger: logger) { connection in
            let current = try await connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM users
                WHERE id = \(id) AND (\(scope.tenantID)::uuid IS NULL OR tenant_id = \(scope.tenantID)) FOR UPDATE
                """,
                logger: logger
            ).collect().first.map(Self.record)
            guard let before = current else { return nil }
            var after = before
            if let name = patch.displayName { after.displayName = name }
            if let role = patch.role { after.role = role }
            if let status = patch.status { after.status = status }
            if before.role == .owner, before.status == .active, after.role != .owner || after.status != .active, let tenantID = before.tenantID {
                // Serialise owner changes per tenant so two admins cannot demote the last two owners at once.
                try await connection.query("SELECT id FROM tenants WHERE id = \(tenantID) FOR UPDATE", logger: logger)
                let owners = try await connection.query(
                    "SELECT count(*)::int FROM users WHERE tenant_id = \(tenantID) AND role = 'owner' AND status = 'active' AND id <> \(id)",
                    logger: logger
                ).collect().first!.decode(Int.self)
                if owners == 0 { throw UpdateError.lastOwner }
            }
            let rows = try await connection.query(
                """
                UPDATE users SET display_name = \(after.displayName), role = \(after.role.rawValue), status = \(after.status.rawValue),
                    updated_at = now()
                WHERE id = \(id) RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
            let updated = try Self.record(try await rows.collect().first!)
            if updated.status == .disabled || updated.role != before.role {
                try await SessionStore.revokeAll(userID: id, except: nil, on: connection, logger: logger)
            }
            var audit = audit
            audit.tenantID = updated.tenantID
            audit.targetType = "user"
            audit.targetID = id.uuidString.lowercased()
            audit.detailsJSON = AuditDetails.change(
                before: ["displayName": before.displayName, "role": before.role.rawValue, "status": before.status.rawValue],
                after: ["displayName": updated.displayName, "role": updated.role.rawValue, "status": updated.status.rawValue]
            )
            try await audit.insert(on: connection, logger: logger)
            return (before, updated)
        }
    }

    /// Sets a new password, activates an invited user, and ends every session but `keepSession`.
    public func setPassword(_ id: UUID, hash: String, keepSession: UUID?, audit: AuditEntry) async throws {
        try await Transaction.run(client, logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE users SET password_hash = \(hash), password_changed_at = now(), updated_at = now(),
                    status = CASE WHEN status = 'invited' THEN 'active' ELSE status END
                WHERE id = \(id) RETURNING tenant_id
                """,
                logger: logger
            )
            guard let row = try await rows.collect().first else { throw StoreError.notFound("no such user") }
            try await SessionStore.revokeAll(userID: id, except: keepSession, on: connection, logger: logger)
            var audit = audit
            audit.tenantID = try row.decode(UUID?.self)
            audit.targetType = "user"
            audit.targetID = id.uuidString.lowercased()
            try await audit.insert(on: connection, logger: logger)
        }
    }

    public func recordLogin(_ id: UUID) async throws {
        try await client.query("UPDATE users SET last_login_at = now() WHERE id = \(id)", logger: logger)
    }

    /// The number of platform admins that can log in.
    public func activePlatformAdminCount() async throws -> Int {
        let rows = try await client.query(
            "SELECT count(*)::int FROM users WHERE role = 'platform_admin' AND status = 'active'",
            logger: logger
        )
        return try await rows.collect().first?.decode(Int.self) ?? 0
    }
}
