import Crypto
import EaselCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Generations: the durable job queue and the record of every request.
public struct GenerationStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A request to store: who asks, with what, and where in a conversation.
    public struct NewGeneration: Sendable {
        public var tenantID: UUID
        public var userID: UUID
        public var apiKeyID: UUID?
        public var modelID: UUID
        public var source: String
        public var options: GenerationOptions
        /// Uploaded input images, already checked.
        public var uploads: [ImageData]
        /// Earlier images of the tenant used as inputs again, before the uploads.
        public var reusedImageIDs: [UUID]
        /// Continue this conversation from its latest succeeded turn.
        public var conversationID: UUID?
        /// Continue from this turn (a branch when it is not the latest); wins over `conversationID`.
        public var parentID: UUID?
        /// With `conversationID`: a first turn in that conversation, replaying nothing (re-running
        /// a conversation's opening turn on another model, say).
        public var fromStart: Bool
        /// False for calls outside any conversation (the Gemini-compatible endpoint, whose
        /// clients keep their own history).
        public var inConversation = true
        /// An inline call, answered to a client that waits on its connection: queued under this
        /// waiter's lease, started only by it (`GenerationQueue.startInline`), never by another
        /// instance.
        public var inlineUnder: (owner: String, lease: Duration)?
        /// How many variations to make (1 to `maxVariations`): that many generations of the same
        /// request, one batch.
        public var count = 1

        public init(
            tenantID: UUID,
            userID: UUID,
            apiKeyID: UUID?,
            modelID: UUID,
            source: String,
            options: GenerationOptions,
            uploads: [ImageData] = [],
            reusedImageIDs: [UUID] = [],
            conversationID: UUID? = nil,
            parentID: UUID? = nil,
            fromStart: Bool = false
        ) {
            self.tenantID = tenantID
            self.userID = userID
            self.apiKeyID = apiKeyID
            self.modelID = modelID
            self.source = source
            self.options = options
            self.uploads = uploads
            self.reusedImageIDs = reusedImageIDs
            self.conversationID = conversationID
            self.parentID = parentID
            self.fromStart = fromStart
        }
    }

    /// Why a request could not be placed where it asked to be.
    public enum EnqueueError: Error, Sendable, Equatable {
        case conversationNotFound
        case parentNotFound
        case parentNotFinished(GenerationStatus)
        case imageNotFound(index: Int)
        case quotaExceeded(AdmissionStore.QuotaRefusal)
    }

    /// The most variations one request may ask for.
    public static let maxVariations = 4

    /// Stores the inputs and a `queued` generation in one transaction: from here on, the request
    /// always reaches a terminal state. A request outside any conversation starts one.
    public func enqueue(_ new: NewGeneration) async throws -> UUID {
        try await enqueueBatch(new)[0]
    }

    /// Stores the inputs once and `new.count` `queued` generations of them, one batch, in one
    /// transaction; admitted only if the quotas have room for all of them. Returns their ids in
    /// batch order.
    public func enqueueBatch(_ new: NewGeneration) async throws -> [UUID] {
        precondition((1...Self.maxVariations).contains(new.count), "a batch holds 1 to \(Self.maxVariations) generations")
        return try await Transaction.run(client, logger: logger) { connection in
            do {
                try await AdmissionStore.check(tenantID: new.tenantID, userID: new.userID, count: new.count, on: connection, logger: logger)
            } catch let refusal as AdmissionStore.QuotaRefusal {
                throw EnqueueError.quotaExceeded(refusal)
            }
            var options = new.options
            options.inputImageIds = []
            if !new.reusedImageIDs.isEmpty {
                var found = Set<UUID>()
                let rows = try await connection.query(
                    "SELECT id FROM images WHERE id = ANY(\(new.reusedImageIDs)) AND tenant_id = \(new.tenantID)",
                    logger: logger
                )
                for try await id in rows.decode(UUID.self) { found.insert(id) }
                if let missing = new.reusedImageIDs.firstIndex(where: { !found.contains($0) }) {
                    throw EnqueueError.imageNotFound(index: missing)
                }
                options.inputImageIds = new.reusedImageIDs
            }
            for upload in new.uploads {
                options.inputImageIds.append(try await ImageStore.store(upload, tenantID: new.tenantID, on: connection, logger: logger))
            }

            var conversationID: UUID? = nil
            var parentID: UUID? = nil
            if let requested = new.parentID {
                let rows = try await connection.query(
                    """
                    SELECT conversation_id, status FROM generations
                    WHERE id = \(requested) AND tenant_id = \(new.tenantID) AND user_id = \(new.userID)
                    """,
                    logger: logger
                )
                guard let row = try await rows.collect().first else { throw EnqueueError.parentNotFound }
                let (conversation, status) = try row.decode((UUID?, String).self)
                guard status == GenerationStatus.succeeded.rawValue else {
                    throw EnqueueError.parentNotFinished(GenerationStatus(rawValue: status) ?? .failed)
                }
                parentID = requested
                conversationID = conversation
            } else if let requested = new.conversationID {
                let rows = try await connection.query(
                    """
                    SELECT c.id, (SELECT g.id FROM generations g WHERE g.conversation_id = c.id AND g.status = 'succeeded'
                                  ORDER BY g.created_at DESC, g.id DESC LIMIT 1)
                    FROM conversations c WHERE c.id = \(requested) AND c.tenant_id = \(new.tenantID) AND c.user_id = \(new.userID)
                    FOR UPDATE OF c
                    """,
                    logger: logger
                )
                guard let row = try await rows.collect().first else { throw EnqueueError.conversationNotFound }
                (conversationID, parentID) = try row.decode((UUID?, UUID?).self)
                if new.fromStart { parentID = nil }
            }
            if !new.inConversation {
                conversationID = nil
            } else if let existing = conversationID {
                try await connection.query("UPDATE conversations SET updated_at = now() WHERE id = \(existing)", logger: logger)
            } else {
                conversationID = try await ConversationStore.insert(
                    tenantID: new.tenantID,
                    userID: new.userID,
                    title: ConversationStore.title(from: options.prompt),
                    on: connection,
                    logger: logger
                )
            }

            let request = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
            let leaseSeconds = new.inlineUnder.map { Double($0.lease.components.seconds) }
            let batchID: UUID? = new.count > 1 ? UUID() : nil
            var ids: [UUID] = []
            for index in 0..<new.count {
                // Timed when inserted, so the variations of a batch list in their order.
                let rows = try await connection.query(
                    """
                    INSERT INTO generations (tenant_id, user_id, api_key_id, model_id, conversation_id, parent_generation_id, source,
                                             request, prompt, aspect_ratio, image_size, service_tier, inline, lease_owner, lease_expires_at,
                                             batch_id, batch_index, created_at)
                    VALUES (\(new.tenantID), \(new.userID), \(new.apiKeyID), \(new.modelID), \(conversationID), \(parentID), \(new.source),
                            \(request)::jsonb, \(options.prompt), \(options.aspectRatio), \(options.imageSize), \(options.serviceTier),
                            \(new.inlineUnder != nil), \(new.inlineUnder?.owner)::text,
                            CASE WHEN \(leaseSeconds)::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => \(leaseSeconds)::float8) END,
                            \(batchID), \(batchID == nil ? nil : index)::smallint, clock_timestamp())
                    RETURNING id
                    """,
                    logger: logger
                )
                let id = try await rows.collect().first!.decode(UUID.self)
                for (position, imageID) in options.inputImageIds.enumerated() {
                    try await connection.query(
                        """
                        INSERT INTO generation_images (tenant_id, generation_id, image_id, role, position)
                        VALUES (\(new.tenantID), \(id), \(imageID), 'input', \(position))
                        """,
                        logger: logger
                    )
                }
                ids.append(id)
            }
            return ids
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
            """,
            logger: logger
        )
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
                  WHERE gi.generation_id = g.id AND gi.role = 'output'), '[]'),
        g.conversation_id, g.parent_generation_id, m.name, u.email, g.grounding::text, g.partial_text, g.image_tokens, g.cost_micros,
        g.prompt_image_tokens, g.batch_id, g.batch_index
        """
    static let tables = "generations g JOIN models m ON m.id = g.model_id JOIN users u ON u.id = g.user_id"

    struct OutputJSON: Decodable {
        var id: UUID
        var mimeType: String
        var width: Int?
        var height: Int?
    }

    /// A row of `columns`, decoded as typed tuples in the order `columns` names them.
    static func record(_ row: PostgresRow) throws -> GenerationRecord {
        let (
            id, tenantID, userID, modelID, source, status, requestJSON, responseText, finishReason, blockReason, errorCode, errorMessage,
            promptTokens, outputTokens, thoughtTokens, totalTokens, imageCount, attempts, upstreamHost, latencyMs, modelVersion, honored,
            createdAt, startedAt, finishedAt, outputsJSON, conversationID, parentID, modelName, userEmail, groundingJSON, partialText,
            imageTokens, costMicros, promptImageTokens, batchID, batchIndex
        ) = try row.decode(
            (
                UUID, UUID, UUID, UUID, String, String, String, String?, String?, String?, String?, String?,
                Int?, Int?, Int?, Int?, Int, Int, String?, Int?, String?, Bool?,
                Date, Date?, Date?, String, UUID?, UUID?, String, String, String?, String?,
                Int?, Int?, Int?, UUID?, Int16?
            ).self
        )
        let options = (try? JSONDecoder().decode(GenerationOptions.self, from: Data(requestJSON.utf8))) ?? GenerationOptions(prompt: "")
        let outputs = try JSONDecoder().decode([OutputJSON].self, from: Data(outputsJSON.utf8))
        return GenerationRecord(
            id: id,
            tenantID: tenantID,
            userID: userID,
            modelID: modelID,
            source: source,
            status: GenerationStatus(rawValue: status) ?? .failed,
            options: options,
            responseText: responseText,
            finishReason: finishReason,
            blockReason: blockReason,
            errorCode: errorCode,
            errorMessage: errorMessage,
            promptTokens: promptTokens,
            outputTokens: outputTokens,
            thoughtTokens: thoughtTokens,
            totalTokens: totalTokens,
            imageCount: imageCount,
            attempts: attempts,
            upstreamHost: upstreamHost,
            latencyMs: latencyMs,
            modelVersion: modelVersion,
            honoredImageConfig: honored,
            createdAt: createdAt,
            startedAt: startedAt,
            finishedAt: finishedAt,
            outputs: outputs.map { GenerationRecord.Image(id: $0.id, mimeType: $0.mimeType, width: $0.width, height: $0.height) },
            conversationID: conversationID,
            parentID: parentID,
            modelName: modelName,
            userEmail: userEmail,
            groundingJSON: groundingJSON,
            partialText: partialText,
            imageTokens: imageTokens,
            promptImageTokens: promptImageTokens,
            costMicros: costMicros,
            batchID: batchID,
            batchIndex: batchIndex.map(Int.init)
        )
    }

    public func get(_ id: UUID, scope: GenerationScope) async throws -> GenerationRecord? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.tables)
            WHERE g.id = \(id) AND (\(scope.tenantID)::uuid IS NULL OR g.tenant_id = \(scope.tenantID))
              AND (\(scope.userID)::uuid IS NULL OR g.user_id = \(scope.userID))
            """,
            logger: logger
        )
        return try await rows.collect().first.map(Self.record)
    }

    /// History, newest first.
    public func list(
        scope: GenerationScope,
        filter: GenerationFilter = .init(),
        limit: Int,
        before cursor: Cursor?
    ) async throws -> Page<GenerationRecord> {
        let beforeMicros = cursor?.micros
        let beforeID = cursor.flatMap { UUID(uuidString: $0.id) }
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns), \(unescaped: Cursor.microsColumn("g.created_at"))
            FROM \(unescaped: Self.tables)
            WHERE (\(scope.tenantID)::uuid IS NULL OR g.tenant_id = \(scope.tenantID))
              AND (\(scope.userID)::uuid IS NULL OR g.user_id = \(scope.userID))
              AND (\(filter.modelID)::uuid IS NULL OR g.model_id = \(filter.modelID))
              AND (\(filter.status?.rawValue)::text IS NULL OR g.status = \(filter.status?.rawValue))
              AND (\(filter.userID)::uuid IS NULL OR g.user_id = \(filter.userID))
              AND (\(filter.from)::timestamptz IS NULL OR g.created_at >= \(filter.from))
              AND (\(filter.to)::timestamptz IS NULL OR g.created_at < \(filter.to))
              AND (\(filter.text)::text IS NULL OR strpos(lower(g.prompt), lower(\(filter.text))) > 0)
              AND (\(filter.batchID)::uuid IS NULL OR g.batch_id = \(filter.batchID))
              AND (\(beforeMicros)::bigint IS NULL
                   OR (g.created_at, g.id) < (timestamptz 'epoch' + \(beforeMicros)::bigint * interval '1 microsecond', \(beforeID)))
            ORDER BY g.created_at DESC, g.id DESC LIMIT \(limit + 1)
            """,
            logger: logger
        )
        return try await Page(rows, limit: limit, decode: Self.record) { $0.id.uuidString }
    }

    /// The turns of a conversation, oldest first (every branch).
    public func turns(ofConversation conversationID: UUID, tenantID: UUID) async throws -> [GenerationRecord] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.tables)
            WHERE g.conversation_id = \(conversationID) AND g.tenant_id = \(tenantID)
            ORDER BY g.created_at, g.id LIMIT 1000
            """,
            logger: logger
        )
        return try await rows.collect().map(Self.record)
    }
}
