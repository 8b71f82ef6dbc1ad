import Crypto
import EaselCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A generation as stored, with its output images.
public struct GenerationRecord: Sendable {
    public struct Image: Sendable, Equatable {
        public var id: UUID
        public var mimeType: String
        public var width: Int?
        public var height: Int?
    }

    public var id: UUID
    public var tenantID: UUID
    public var userID: UUID
    public var modelID: UUID
    public var source: String
    public var status: GenerationStatus
    public var options: GenerationOptions
    public var responseText: String?
    public var finishReason: String?
    public var blockReason: String?
    public var errorCode: String?
    public var errorMessage: String?
    public var promptTokens: Int?
    public var outputTokens: Int?
    public var thoughtTokens: Int?
    public var totalTokens: Int?
    public var imageCount: Int
    public var attempts: Int
    public var upstreamHost: String?
    public var latencyMs: Int?
    public var modelVersion: String?
    public var honoredImageConfig: Bool?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var outputs: [Image]
}

/// Which generations a caller sees: their own (members), their tenant's (admins), all (platform).
public struct GenerationScope: Sendable, Equatable {
    public var tenantID: UUID?
    public var userID: UUID?

    public init(tenantID: UUID?, userID: UUID?) {
        self.tenantID = tenantID
        self.userID = userID
    }

    public static func of(_ principal: Principal) -> GenerationScope {
        switch principal.role {
        case .platformAdmin: return GenerationScope(tenantID: nil, userID: nil)
        case .owner, .admin: return GenerationScope(tenantID: principal.tenantID, userID: nil)
        case .member: return GenerationScope(tenantID: principal.tenantID, userID: principal.userID)
        }
    }
}

/// Generations: the durable job queue and the record of every request.
public struct GenerationStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Bytes of an input or output image, with what was read from its header.
    public struct ImageData: Sendable {
        public var data: Data
        public var mimeType: String
        public var width: Int?
        public var height: Int?
        public var thoughtSignature: String?

        public init(data: Data, mimeType: String, width: Int?, height: Int?, thoughtSignature: String? = nil) {
            self.data = data
            self.mimeType = mimeType
            self.width = width
            self.height = height
            self.thoughtSignature = thoughtSignature
        }
    }

    /// Stores an image once per tenant (by SHA-256) and returns its id.
    static func storeImage(_ image: ImageData, tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID {
        let sha = ByteBuffer(bytes: SHA256.hash(data: image.data))
        let rows = try await connection.query(
            """
            INSERT INTO images (tenant_id, sha256, mime_type, width, height, byte_size, data)
            VALUES (\(tenantID), \(sha), \(image.mimeType), \(image.width), \(image.height), \(image.data.count), \(ByteBuffer(data: image.data)))
            ON CONFLICT (tenant_id, sha256) DO UPDATE SET tenant_id = EXCLUDED.tenant_id
            RETURNING id
            """, logger: logger)
        return try await rows.collect().first!.decode(UUID.self)
    }

    /// Stores the inputs and a `queued` generation in one transaction: from here on, the request
    /// always reaches a terminal state.
    public func enqueue(
        tenantID: UUID, userID: UUID, apiKeyID: UUID?, modelID: UUID, source: String, options: GenerationOptions, inputs: [ImageData]
    ) async throws -> UUID {
        try await Transaction.run(client, logger: logger) { connection in
            var options = options
            options.inputImageIds = []
            for input in inputs {
                options.inputImageIds.append(try await Self.storeImage(input, tenantID: tenantID, on: connection, logger: logger))
            }
            let request = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
            let rows = try await connection.query(
                """
                INSERT INTO generations (tenant_id, user_id, api_key_id, model_id, source, request, prompt, aspect_ratio, image_size)
                VALUES (\(tenantID), \(userID), \(apiKeyID), \(modelID), \(source), \(request)::jsonb, \(options.prompt),
                        \(options.aspectRatio), \(options.imageSize))
                RETURNING id
                """, logger: logger)
            let id = try await rows.collect().first!.decode(UUID.self)
            for (position, imageID) in options.inputImageIds.enumerated() {
                try await connection.query(
                    """
                    INSERT INTO generation_images (tenant_id, generation_id, image_id, role, position)
                    VALUES (\(tenantID), \(id), \(imageID), 'input', \(position))
                    """, logger: logger)
            }
            return id
        }
    }

    /// A job a worker holds: what to send upstream.
    public struct Job: Sendable {
        public var id: UUID
        public var tenantID: UUID
        public var modelID: UUID
        public var options: GenerationOptions
        public var inputs: [ImageData]
    }

    /// Claims the oldest queued job, or a running one whose lease ran out (its worker died),
    /// skipping rows other workers hold and tenants at their concurrency limit.
    public func claim(owner: String, lease: Duration) async throws -> Job? {
        let rows = try await client.query(
            """
            UPDATE generations SET status = 'running', lease_owner = \(owner),
                lease_expires_at = now() + make_interval(secs => \(Double(lease.components.seconds))),
                started_at = COALESCE(started_at, now())
            WHERE id = (
                SELECT g.id FROM generations g JOIN tenants t ON t.id = g.tenant_id
                WHERE (g.status = 'queued' OR (g.status = 'running' AND g.lease_expires_at < now()))
                  AND (t.max_concurrent_generations IS NULL OR (
                      SELECT count(*) FROM generations r
                      WHERE r.tenant_id = g.tenant_id AND r.status = 'running' AND r.lease_expires_at >= now()
                  ) < t.max_concurrent_generations)
                ORDER BY g.created_at
                FOR UPDATE OF g SKIP LOCKED
                LIMIT 1)
            RETURNING id, tenant_id, model_id, request::text
            """, logger: logger)
        guard let row = try await rows.collect().first else { return nil }
        let (id, tenantID, modelID, request) = try row.decode((UUID, UUID, UUID, String).self)
        let options = try JSONDecoder().decode(GenerationOptions.self, from: Data(request.utf8))
        var inputs: [ImageData] = []
        let images = try await client.query(
            """
            SELECT i.data, i.mime_type, i.width, i.height FROM generation_images gi JOIN images i ON i.id = gi.image_id
            WHERE gi.generation_id = \(id) AND gi.role = 'input' ORDER BY gi.position
            """, logger: logger)
        for try await (data, mime, width, height) in images.decode((ByteBuffer, String, Int?, Int?).self) {
            inputs.append(ImageData(data: Data(buffer: data), mimeType: mime, width: width, height: height))
        }
        return Job(id: id, tenantID: tenantID, modelID: modelID, options: options, inputs: inputs)
    }

    /// Extends the lease of a job this worker still holds; false when it lost the job.
    public func renew(_ id: UUID, owner: String, lease: Duration) async throws -> Bool {
        let rows = try await client.query(
            """
            UPDATE generations SET lease_expires_at = now() + make_interval(secs => \(Double(lease.components.seconds)))
            WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner) RETURNING id
            """, logger: logger)
        return try await rows.collect().count == 1
    }

    public func cancelRequested(_ id: UUID) async throws -> Bool {
        let rows = try await client.query("SELECT cancel_requested FROM generations WHERE id = \(id)", logger: logger)
        return try await rows.collect().first?.decode(Bool.self) ?? false
    }

    /// The end of a job, as the worker saw it.
    public struct Finish: Sendable {
        public var status: GenerationStatus
        public var responseText: String?
        public var finishReason: String?
        public var blockReason: String?
        public var errorCode: String?
        public var errorMessage: String?
        public var promptTokens: Int?
        public var outputTokens: Int?
        public var thoughtTokens: Int?
        public var totalTokens: Int?
        public var usageJSON: String?
        public var attempts: Int
        public var upstreamHost: String?
        public var latencyMs: Int?
        public var modelVersion: String?
        public var responseID: String?
        public var honoredImageConfig: Bool?
        public var outputs: [ImageData]

        public init(status: GenerationStatus, attempts: Int = 0, outputs: [ImageData] = []) {
            self.status = status
            self.attempts = attempts
            self.outputs = outputs
        }
    }

    /// Stores the terminal state, if this worker still holds the job; false when another took it.
    @discardableResult
    public func finish(_ id: UUID, owner: String, _ finish: Finish) async throws -> Bool {
        try await Transaction.run(client, logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT tenant_id FROM generations WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner) FOR UPDATE
                """, logger: logger)
            guard let tenantID = try await rows.collect().first?.decode(UUID.self) else { return false }
            for (position, output) in finish.outputs.enumerated() {
                let imageID = try await Self.storeImage(output, tenantID: tenantID, on: connection, logger: logger)
                try await connection.query(
                    """
                    INSERT INTO generation_images (tenant_id, generation_id, image_id, role, position, thought_signature)
                    VALUES (\(tenantID), \(id), \(imageID), 'output', \(position), \(output.thoughtSignature))
                    """, logger: logger)
            }
            try await connection.query(
                """
                UPDATE generations SET status = \(finish.status.rawValue), response_text = \(finish.responseText),
                    finish_reason = \(finish.finishReason), block_reason = \(finish.blockReason), error_code = \(finish.errorCode),
                    error_message = \(finish.errorMessage), prompt_tokens = \(finish.promptTokens), output_tokens = \(finish.outputTokens),
                    thought_tokens = \(finish.thoughtTokens), total_tokens = \(finish.totalTokens), usage = \(finish.usageJSON)::jsonb,
                    image_count = \(finish.outputs.count), attempts = attempts + \(finish.attempts), upstream_host = \(finish.upstreamHost),
                    latency_ms = \(finish.latencyMs), model_version = \(finish.modelVersion), response_id = \(finish.responseID),
                    honored_image_config = \(finish.honoredImageConfig), lease_owner = NULL, lease_expires_at = NULL, finished_at = now()
                WHERE id = \(id)
                """, logger: logger)
            return true
        }
    }

    public enum CancelResult: Sendable, Equatable { case canceled, requested, alreadyFinished, notFound }

    /// Cancels a queued generation at once; asks the worker of a running one to stop.
    public func cancel(_ id: UUID, scope: GenerationScope) async throws -> CancelResult {
        let rows = try await client.query(
            """
            UPDATE generations SET
                status = CASE WHEN status = 'queued' THEN 'canceled' ELSE status END,
                finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END,
                cancel_requested = CASE WHEN status IN ('queued', 'running') THEN true ELSE cancel_requested END
            WHERE id = \(id) AND (\(scope.tenantID)::uuid IS NULL OR tenant_id = \(scope.tenantID))
              AND (\(scope.userID)::uuid IS NULL OR user_id = \(scope.userID))
            RETURNING status
            """, logger: logger)
        guard let row = try await rows.collect().first else { return .notFound }
        let status = GenerationStatus(rawValue: try row.decode(String.self)) ?? .failed
        switch status {
        case .canceled: return .canceled
        case .running: return .requested
        default: return .alreadyFinished
        }
    }

    static let columns = """
        g.id, g.tenant_id, g.user_id, g.model_id, g.source, g.status, g.request::text, g.response_text, g.finish_reason,
        g.block_reason, g.error_code, g.error_message, g.prompt_tokens, g.output_tokens, g.thought_tokens, g.total_tokens,
        g.image_count, g.attempts, g.upstream_host, g.latency_ms, g.model_version, g.honored_image_config, g.created_at,
        g.started_at, g.finished_at,
        COALESCE((SELECT json_agg(json_build_object('id', i.id, 'mimeType', i.mime_type, 'width', i.width, 'height', i.height)
                  ORDER BY gi.position)::text
                  FROM generation_images gi JOIN images i ON i.id = gi.image_id
                  WHERE gi.generation_id = g.id AND gi.role = 'output'), '[]')
        """

    struct OutputJSON: Decodable {
        var id: UUID
        var mimeType: String
        var width: Int?
        var height: Int?
    }

    static func record(_ row: PostgresRow) throws -> GenerationRecord {
        let c = row.makeRandomAccess()
        let options = (try? JSONDecoder().decode(GenerationOptions.self, from: Data(try c[6].decode(String.self).utf8)))
            ?? GenerationOptions(prompt: "")
        let outputs = try JSONDecoder().decode([OutputJSON].self, from: Data(try c[25].decode(String.self).utf8))
        return GenerationRecord(
            id: try c[0].decode(UUID.self), tenantID: try c[1].decode(UUID.self), userID: try c[2].decode(UUID.self),
            modelID: try c[3].decode(UUID.self), source: try c[4].decode(String.self),
            status: GenerationStatus(rawValue: try c[5].decode(String.self)) ?? .failed, options: options,
            responseText: try c[7].decode(String?.self), finishReason: try c[8].decode(String?.self),
            blockReason: try c[9].decode(String?.self), errorCode: try c[10].decode(String?.self),
            errorMessage: try c[11].decode(String?.self), promptTokens: try c[12].decode(Int?.self),
            outputTokens: try c[13].decode(Int?.self), thoughtTokens: try c[14].decode(Int?.self),
            totalTokens: try c[15].decode(Int?.self), imageCount: try c[16].decode(Int.self), attempts: try c[17].decode(Int.self),
            upstreamHost: try c[18].decode(String?.self), latencyMs: try c[19].decode(Int?.self),
            modelVersion: try c[20].decode(String?.self), honoredImageConfig: try c[21].decode(Bool?.self),
            createdAt: try c[22].decode(Date.self), startedAt: try c[23].decode(Date?.self), finishedAt: try c[24].decode(Date?.self),
            outputs: outputs.map { GenerationRecord.Image(id: $0.id, mimeType: $0.mimeType, width: $0.width, height: $0.height) })
    }

    public func get(_ id: UUID, scope: GenerationScope) async throws -> GenerationRecord? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM generations g
            WHERE g.id = \(id) AND (\(scope.tenantID)::uuid IS NULL OR g.tenant_id = \(scope.tenantID))
              AND (\(scope.userID)::uuid IS NULL OR g.user_id = \(scope.userID))
            """, logger: logger)
        return try await rows.collect().first.map(Self.record)
    }

    /// History, newest first.
    public func list(scope: GenerationScope, limit: Int, before cursor: Cursor?) async throws -> Page<GenerationRecord> {
        let beforeMicros = cursor?.micros
        let beforeID = cursor.flatMap { UUID(uuidString: $0.id) }
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns), \(unescaped: Cursor.microsColumn.replacingOccurrences(of: "created_at", with: "g.created_at"))
            FROM generations g
            WHERE (\(scope.tenantID)::uuid IS NULL OR g.tenant_id = \(scope.tenantID))
              AND (\(scope.userID)::uuid IS NULL OR g.user_id = \(scope.userID))
              AND (\(beforeMicros)::bigint IS NULL
                   OR (g.created_at, g.id) < (timestamptz 'epoch' + \(beforeMicros)::bigint * interval '1 microsecond', \(beforeID)))
            ORDER BY g.created_at DESC, g.id DESC LIMIT \(limit + 1)
            """, logger: logger)
        return try await Page(rows, limit: limit, cursorColumn: 26, decode: Self.record) { $0.id.uuidString }
    }

    /// An image's bytes, if it belongs to `tenantID` (nil: any tenant).
    public func image(_ id: UUID, tenantID: UUID?) async throws -> (data: ByteBuffer, mimeType: String, sha256: String)? {
        let rows = try await client.query(
            """
            SELECT data, mime_type, encode(sha256, 'hex') FROM images
            WHERE id = \(id) AND (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
            """, logger: logger)
        guard let row = try await rows.collect().first else { return nil }
        let (data, mime, sha) = try row.decode((ByteBuffer, String, String).self)
        return (data, mime, sha)
    }
}
