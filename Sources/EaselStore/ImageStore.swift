import Crypto
import EaselCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Image bytes, stored once per tenant by SHA-256, with their previews and their retention.
public struct ImageStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Stores an image once per tenant (by SHA-256) and returns its id.
    static func store(
        _ image: ImageData,
        tenantID: UUID,
        on connection: PostgresConnection,
        logger: Logger,
        asOutput output: (generationID: UUID, position: Int)? = nil
    ) async throws -> UUID {
        let sha = ByteBuffer(bytes: SHA256.hash(data: image.data))
        // With `asOutput`, the link to the generation goes in the same statement.
        let rows = try await connection.query(
            """
            WITH image AS (
                INSERT INTO images (tenant_id, sha256, mime_type, width, height, byte_size, data)
                VALUES (\(tenantID), \(sha), \(image.mimeType), \(image.width), \(image.height), \(image.data.count), \(ByteBuffer(data: image.data)))
                ON CONFLICT (tenant_id, sha256) DO UPDATE SET tenant_id = EXCLUDED.tenant_id
                RETURNING id),
            link AS (
                INSERT INTO generation_images (tenant_id, generation_id, image_id, role, position, thought_signature)
                SELECT \(tenantID), \(output?.generationID)::uuid, image.id, 'output', \(output?.position)::int, \(image.thoughtSignature)::text
                FROM image WHERE \(output?.generationID)::uuid IS NOT NULL)
            SELECT id FROM image
            """,
            logger: logger
        )
        return try await rows.collect().first!.decode(UUID.self)
    }

    /// An image's bytes, if it belongs to `tenantID` (nil: any tenant).
    public func image(_ id: UUID, tenantID: UUID?) async throws -> (data: ByteBuffer, mimeType: String, sha256: String)? {
        let rows = try await client.query(
            """
            SELECT data, mime_type, encode(sha256, 'hex') FROM images
            WHERE id = \(id) AND (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
            """,
            logger: logger
        )
        guard let row = try await rows.collect().first else { return nil }
        let (data, mime, sha) = try row.decode((ByteBuffer, String, String).self)
        return (data, mime, sha)
    }

    /// An image's stored preview, or (when none was made yet) the original to make one from.
    public struct PreviewSource: Sendable {
        public var preview: ByteBuffer?
        public var previewMimeType: String?
        public var original: ByteBuffer?
        public var mimeType: String
        public var sha256: String
        public var width: Int?
        public var height: Int?
    }

    public func previewSource(_ id: UUID, tenantID: UUID?) async throws -> PreviewSource? {
        let rows = try await client.query(
            """
            SELECT preview, preview_mime_type, CASE WHEN preview IS NULL THEN data END, mime_type, encode(sha256, 'hex'), width, height
            FROM images
            WHERE id = \(id) AND (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
            """,
            logger: logger
        )
        guard let row = try await rows.collect().first else { return nil }
        let (preview, previewMime, original, mime, sha, width, height) = try row.decode(
            (ByteBuffer?, String?, ByteBuffer?, String, String, Int?, Int?).self
        )
        return PreviewSource(
            preview: preview,
            previewMimeType: previewMime,
            original: original,
            mimeType: mime,
            sha256: sha,
            width: width,
            height: height
        )
    }

    /// Deletes, in batches, the images that tenants' retention periods have expired (an image
    /// still used by a generation inside the period stays) and images no generation uses (left by
    /// deleted users' generations). Generations and their usage figures are kept. One instance at
    /// a time does this (an advisory lock); returns how many images went.
    @discardableResult
    public func purgeImages(batch: Int = 500) async throws -> Int {
        try await Transaction.run(client, logger: logger) { connection in
            let locked = try await connection.query(
                "SELECT pg_try_advisory_xact_lock(hashtext('easel.purge_images'))",
                logger: logger
            ).collect().first!.decode(Bool.self)
            guard locked else { return 0 }
            let rows = try await connection.query(
                """
                DELETE FROM images WHERE id IN (
                    SELECT i.id FROM images i JOIN tenants t ON t.id = i.tenant_id
                    WHERE t.image_retention_days IS NOT NULL
                      AND i.created_at < now() - make_interval(days => t.image_retention_days)
                      AND NOT EXISTS (
                          SELECT 1 FROM generation_images gi JOIN generations g ON g.id = gi.generation_id
                          WHERE gi.image_id = i.id AND g.created_at >= now() - make_interval(days => t.image_retention_days))
                    UNION ALL
                    SELECT i.id FROM images i
                    WHERE i.created_at < now() - interval '1 hour'
                      AND NOT EXISTS (SELECT 1 FROM generation_images gi WHERE gi.image_id = i.id)
                    LIMIT \(batch))
                RETURNING id
                """,
                logger: logger
            )
            return try await rows.collect().count
        }
    }

    /// Keeps a preview made on first request, so it is made once per image.
    public func storePreview(_ id: UUID, data: Data, mimeType: String) async throws {
        try await client.query(
            "UPDATE images SET preview = \(ByteBuffer(data: data)), preview_mime_type = \(mimeType) WHERE id = \(id) AND preview IS NULL",
            logger: logger
        )
    }
}
