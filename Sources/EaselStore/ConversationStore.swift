import EaselCore
import Foundation
import Logging
import PostgresNIO

/// Conversations, always read as their owner: another user's (or tenant's) id is "not found".
public struct ConversationStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public static let maxTitleLength = 200

    /// A title from a prompt: its first line, cut at a word near 80 characters. Characters are
    /// counted as PostgreSQL counts them (code points), so a line of combining marks, which is
    /// one visible character of hundreds of code points, is cut too (mid-character if need be).
    public static func title(from prompt: String) -> String {
        let line = prompt.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingWhitespace() ?? ""
        guard !line.isEmpty else { return "Untitled" }
        guard line.unicodeScalars.count > 80 else { return line }
        var cut = ""
        var scalars = 0
        for character in line {
            let size = character.unicodeScalars.count
            if scalars + size > 80 { break }
            cut.append(character)
            scalars += size
        }
        if cut.isEmpty { cut = String(String.UnicodeScalarView(line.unicodeScalars.prefix(80))) }
        let atWord = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut[...]
        return String(atWord).trimmingWhitespace() + "…"
    }

    static let columns = """
        c.id, c.title,
        (SELECT count(*)::int FROM generations g WHERE g.conversation_id = c.id),
        (SELECT gi.image_id FROM generations g JOIN generation_images gi ON gi.generation_id = g.id AND gi.role = 'output'
         WHERE g.conversation_id = c.id ORDER BY g.created_at DESC, gi.position LIMIT 1),
        c.created_at, c.updated_at
        """

    static func record(_ row: PostgresRow) throws -> ConversationRecord {
        let (id, title, turns, image, created, updated) = try row.decode((UUID, String, Int, UUID?, Date, Date).self)
        return ConversationRecord(id: id, title: title, turnCount: turns, latestImageID: image, createdAt: created, updatedAt: updated)
    }

    public func create(tenantID: UUID, userID: UUID, title: String) async throws -> ConversationRecord {
        try await client.withConnection { connection in
            let id = try await Self.insert(tenantID: tenantID, userID: userID, title: title, on: connection, logger: logger)
            let rows = try await connection.query("SELECT \(unescaped: Self.columns) FROM conversations c WHERE c.id = \(id)", logger: logger)
            return try await rows.collect().first.map(Self.record)!
        }
    }

    /// Inserts a conversation on `connection` (inside the caller's transaction, as a first turn
    /// does) and returns its id: the one place conversations are made.
    static func insert(tenantID: UUID, userID: UUID, title: String, on connection: PostgresConnection, logger: Logger) async throws -> UUID {
        try await connection.query(
            "INSERT INTO conversations (tenant_id, user_id, title) VALUES (\(tenantID), \(userID), \(title)) RETURNING id",
            logger: logger
        ).collect().first!.decode(UUID.self)
    }

    public func get(_ id: UUID, tenantID: UUID, userID: UUID) async throws -> ConversationRecord? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM conversations c
            WHERE c.id = \(id) AND c.tenant_id = \(tenantID) AND c.user_id = \(userID)
            """,
            logger: logger
        )
        return try await rows.collect().first.map(Self.record)
    }

    /// The owner's conversations, most recently used first.
    public func list(tenantID: UUID, userID: UUID, limit: Int, before cursor: Cursor?) async throws -> Page<ConversationRecord> {
        let beforeMicros = cursor?.micros
        let beforeID = cursor.flatMap { UUID(uuidString: $0.id) }
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns), \(unescaped: Cursor.microsColumn("c.updated_at"))
            FROM conversations c
            WHERE c.tenant_id = \(tenantID) AND c.user_id = \(userID)
              AND (\(beforeMicros)::bigint IS NULL
                   OR (c.updated_at, c.id) < (timestamptz 'epoch' + \(beforeMicros)::bigint * interval '1 microsecond', \(beforeID)))
            ORDER BY c.updated_at DESC, c.id DESC LIMIT \(limit + 1)
            """,
            logger: logger
        )
        return try await Page(rows, limit: limit, decode: Self.record) { $0.id.uuidString }
    }

    public func rename(_ id: UUID, tenantID: UUID, userID: UUID, title: String) async throws -> ConversationRecord? {
        let rows = try await client.query(
            """
            WITH c AS (UPDATE conversations SET title = \(title), updated_at = now()
                       WHERE id = \(id) AND tenant_id = \(tenantID) AND user_id = \(userID) RETURNING *)
            SELECT \(unescaped: Self.columns) FROM c
            """,
            logger: logger
        )
        return try await rows.collect().first.map(Self.record)
    }

    /// Deletes the conversation. Its generations stay in history (and usage) without it.
    public func delete(_ id: UUID, tenantID: UUID, userID: UUID) async throws -> Bool {
        let rows = try await client.query(
            "DELETE FROM conversations WHERE id = \(id) AND tenant_id = \(tenantID) AND user_id = \(userID) RETURNING id",
            logger: logger
        )
        return try await !rows.collect().isEmpty
    }
}
