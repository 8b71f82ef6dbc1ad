import EaselCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Log-in sessions, found by the SHA-256 of their cookie token.
public struct SessionStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A live session with the user and tenant state it authenticates.
    public struct Resolved: Sendable {
        public var sessionID: UUID
        public var user: UserRecord
        public var tenantStatus: TenantRecord.Status?
        public var idleExpiresAt: Date
        public var expiresAt: Date
        public var lastSeenAt: Date
    }

    public func create(
        userID: UUID,
        tenantID: UUID?,
        tokenHash: [UInt8],
        csrfHash: [UInt8],
        idle: Duration,
        lifetime: Duration,
        clientIP: String?,
        userAgent: String?
    ) async throws -> UUID {
        let rows = try await client.query(
            """
            INSERT INTO sessions (token_hash, csrf_token_hash, user_id, tenant_id, idle_expires_at, expires_at, client_ip, user_agent)
            VALUES (\(ByteBuffer(bytes: tokenHash)), \(ByteBuffer(bytes: csrfHash)), \(userID), \(tenantID),
                    now() + make_interval(secs => \(Double(idle.components.seconds))),
                    now() + make_interval(secs => \(Double(lifetime.components.seconds))),
                    \(clientIP)::inet, \(userAgent.map { String(String.UnicodeScalarView($0.unicodeScalars.prefix(512))) }))
            RETURNING id
            """,
            logger: logger
        )
        return try await rows.collect().first!.decode(UUID.self)
    }

    /// The session whose token hashes to `tokenHash`, if it is neither revoked nor expired.
    public func resolve(tokenHash: [UInt8]) async throws -> Resolved? {
        let rows = try await client.query(
            """
            SELECT s.id, s.idle_expires_at, s.expires_at, s.last_seen_at, t.status,
                   \(unescaped: UserStore.columns(alias: "u"))
            FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN tenants t ON t.id = u.tenant_id
            WHERE s.token_hash = \(ByteBuffer(bytes: tokenHash)) AND s.revoked_at IS NULL
              AND s.expires_at > now() AND s.idle_expires_at > now()
            """,
            logger: logger
        )
        guard let row = try await rows.collect().first else { return nil }
        let columns = row.makeRandomAccess()
        let user = try UserStore.record(columns, offset: 5)
        return Resolved(
            sessionID: try columns[0].decode(UUID.self),
            user: user,
            tenantStatus: try columns[4].decode(String?.self).flatMap(TenantRecord.Status.init(rawValue:)),
            idleExpiresAt: try columns[1].decode(Date.self),
            expiresAt: try columns[2].decode(Date.self),
            lastSeenAt: try columns[3].decode(Date.self)
        )
    }

    /// Extends a session's idle expiry (never past its absolute one).
    public func touch(_ id: UUID, idle: Duration) async throws {
        try await client.query(
            """
            UPDATE sessions SET last_seen_at = now(),
                idle_expires_at = LEAST(expires_at, now() + make_interval(secs => \(Double(idle.components.seconds))))
            WHERE id = \(id)
            """,
            logger: logger
        )
    }

    public func revoke(_ id: UUID) async throws {
        try await client.query("UPDATE sessions SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL", logger: logger)
    }

    /// Ends every session of a user but `except`; returns how many ended.
    @discardableResult
    public func revokeAll(userID: UUID, except: UUID?) async throws -> Int {
        try await client.withConnection { connection in
            try await Self.revokeAll(userID: userID, except: except, on: connection, logger: logger)
        }
    }

    @discardableResult
    static func revokeAll(userID: UUID, except: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            """
            UPDATE sessions SET revoked_at = now()
            WHERE user_id = \(userID) AND revoked_at IS NULL AND (\(except)::uuid IS NULL OR id <> \(except))
            RETURNING id
            """,
            logger: logger
        )
        return try await rows.collect().count
    }
}

extension UserStore {
    /// A user from the columns of ``columns`` starting at `offset` of a joined row.
    static func record(_ row: PostgresRandomAccessRow, offset: Int) throws -> UserRecord {
        UserRecord(
            id: try row[offset].decode(UUID.self),
            tenantID: try row[offset + 1].decode(UUID?.self),
            email: try row[offset + 2].decode(String.self),
            displayName: try row[offset + 3].decode(String.self),
            role: Role(rawValue: try row[offset + 4].decode(String.self)) ?? .member,
            status: UserRecord.Status(rawValue: try row[offset + 5].decode(String.self)) ?? .disabled,
            passwordHash: try row[offset + 6].decode(String?.self),
            passwordChangedAt: try row[offset + 7].decode(Date?.self),
            lastLoginAt: try row[offset + 8].decode(Date?.self),
            createdAt: try row[offset + 9].decode(Date.self),
            updatedAt: try row[offset + 10].decode(Date.self)
        )
    }

    /// ``columns`` prefixed with a table alias, for joins.
    static func columns(alias: String) -> String {
        columns.split(separator: ",").map { "\(alias)." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
    }
}
