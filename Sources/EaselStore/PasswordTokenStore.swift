import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One-time tokens of set-password links (invitations and resets).
public struct PasswordTokenStore: Sendable {
    public enum Purpose: String, Sendable { case invite, reset }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Stores a new token for `userID`, voiding the user's earlier unused ones, with `audit` (when
    /// given) in the same transaction.
    public func issue(userID: UUID, tokenHash: [UInt8], purpose: Purpose, lifetime: Duration, audit: AuditEntry? = nil) async throws {
        try await Transaction.run(client, logger: logger) { connection in
            try await audit?.insert(on: connection, logger: logger)
            try await connection.query(
                "UPDATE password_tokens SET used_at = now() WHERE user_id = \(userID) AND used_at IS NULL",
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO password_tokens (user_id, token_hash, purpose, expires_at)
                VALUES (\(userID), \(ByteBuffer(bytes: tokenHash)), \(purpose.rawValue),
                        now() + make_interval(secs => \(Double(lifetime.components.seconds))))
                """,
                logger: logger
            )
        }
    }

    /// Uses a token once: the user it belongs to, or nil when it is unknown, used or expired.
    public func consume(tokenHash: [UInt8]) async throws -> UUID? {
        let rows = try await client.query(
            """
            UPDATE password_tokens SET used_at = now()
            WHERE token_hash = \(ByteBuffer(bytes: tokenHash)) AND used_at IS NULL AND expires_at > now()
            RETURNING user_id
            """,
            logger: logger
        )
        return try await rows.collect().first?.decode(UUID.self)
    }
}
