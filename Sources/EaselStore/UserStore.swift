import EaselCore
import Foundation
import Logging
import PostgresNIO

/// Users. This first slice serves the operator's `create-admin`; tenant users follow.
public struct UserStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Creates an active platform admin and records it in the audit log, in one transaction.
    ///
    /// - Throws: ``StoreError/conflict(_:)`` when a user with that e-mail exists.
    public func createPlatformAdmin(
        email: EmailAddress, displayName: String, passwordHash: String, audit: AuditEntry
    ) async throws -> UUID {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    INSERT INTO users (email, display_name, role, password_hash, status, password_changed_at)
                    VALUES (\(email.value), \(displayName), 'platform_admin', \(passwordHash), 'active', now())
                    RETURNING id
                    """, logger: logger)
                guard let id = try await rows.collect().first?.decode(UUID.self) else {
                    throw StoreError.notFound("insert returned no row")
                }
                var audit = audit
                audit.targetType = "user"
                audit.targetID = id.uuidString.lowercased()
                try await audit.insert(on: connection, logger: logger)
                return id
            }
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError, PostgresErrorMessage.sqlState(inner) == "23505" {
                throw StoreError.conflict("a user with e-mail \(email) already exists")
            }
            throw error.closureError ?? error
        }
    }

    /// The number of platform admins that can log in.
    public func activePlatformAdminCount() async throws -> Int {
        let rows = try await client.query(
            "SELECT count(*)::int FROM users WHERE role = 'platform_admin' AND status = 'active'", logger: logger)
        return try await rows.collect().first?.decode(Int.self) ?? 0
    }
}
