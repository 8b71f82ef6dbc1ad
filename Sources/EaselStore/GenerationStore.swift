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
    public var conversationID: UUID?
    public var parentID: UUID?
    public var modelName: String
    public var userEmail: String
    /// groundingMetadata as Google sent it, as JSON.
    public var groundingJSON: String?
    /// Text streamed so far while running.
    public var partialText: String?
    public var imageTokens: Int?
    /// Prompt tokens that were images.
    public var promptImageTokens: Int?
    /// Estimated cost in micro-dollars at the prices of its day; nil when unpriced.
    public var costMicros: Int?
}

/// History filters; nil fields do not filter.
public struct GenerationFilter: Sendable, Equatable {
    public var modelID: UUID?
    public var status: GenerationStatus?
    public var userID: UUID?
    public var from: Date?
    public var to: Date?
    /// Words the prompt contains (case-insensitive).
    public var text: String?

    public init(modelID: UUID? = nil, status: GenerationStatus? = nil, userID: UUID? = nil, from: Date? = nil, to: Date? = nil, text: String? = nil) {
        self.modelID = modelID
        self.status = status
        self.userID = userID
        self.from = from
        self.to = to
        self.text = text
    }
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
    static func storeImage(
        _ image: ImageData, tenantID: UUID, on connection: PostgresConnection, logger: Logger,
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
            """, logger: logger)
        return try await rows.collect().first!.decode(UUID.self)
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

        public init(
            tenantID: UUID, userID: UUID, apiKeyID: UUID?, modelID: UUID, source: String, options: GenerationOptions,
            uploads: [ImageData] = [], reusedImageIDs: [UUID] = [], conversationID: UUID? = nil, parentID: UUID? = nil,
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

    /// A limit a request would go past: a monthly quota, or the tenant's generations in flight.
    public struct QuotaRefusal: Error, Sendable, Equatable {
        public enum Limit: String, Sendable { case images, tokens, userImages, inFlight }
        public var limit: Limit
        public var used: Int
        public var allowed: Int
        public var tenantName: String
        /// When the month's quotas reset; for `inFlight`, when to try again.
        public var resetsAt: Date
    }

    /// Why a request could not be placed where it asked to be.
    public enum EnqueueError: Error, Sendable, Equatable {
        case conversationNotFound
        case parentNotFound
        case parentNotFinished(GenerationStatus)
        case imageNotFound(index: Int)
        case quotaExceeded(QuotaRefusal)
    }

    /// How long a request refused for the tenant's generations in flight is told to wait.
    public static let inFlightRetrySeconds = 5

    /// Refuses the request if the tenant's month is used up, or if it would have to wait behind
    /// more queued generations than the tenant may have. Under a per-tenant advisory lock held
    /// to the end of the enqueue transaction, so concurrent requests are counted one after
    /// another; queued and running generations count as one image each until they end.
    static func checkAdmission(tenantID: UUID, userID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let limits = try await connection.query(
            """
            SELECT t.name, t.monthly_image_quota, t.monthly_token_budget, t.max_concurrent_generations, t.max_queued_generations,
                   (SELECT monthly_image_limit FROM user_limits WHERE user_id = \(userID) AND tenant_id = t.id)
            FROM tenants t WHERE t.id = \(tenantID)
            """, logger: logger
        ).collect().first?.decode((String, Int?, Int?, Int?, Int?, Int?).self)
        guard let (name, quota, budget, concurrency, queueBound, userLimit) = limits,
              quota != nil || budget != nil || queueBound != nil || userLimit != nil
        else { return }
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtext('easel.quota'), hashtext(\(tenantID.uuidString.lowercased())))", logger: logger)
        if let queueBound {
            let (running, queued) = try await connection.query(
                """
                SELECT count(*) FILTER (WHERE status = 'running')::int, count(*) FILTER (WHERE status = 'queued')::int
                FROM generations WHERE tenant_id = \(tenantID) AND status IN ('queued', 'running')
                """, logger: logger
            ).collect().first!.decode((Int, Int).self)
            // The queued ones take the free slots first; this one would wait behind the rest.
            let freeSlots = concurrency.map { max(0, $0 - running) } ?? 0
            if queued >= queueBound + freeSlots {
                throw EnqueueError.quotaExceeded(
                    QuotaRefusal(
                        limit: .inFlight, used: running + queued, allowed: (concurrency ?? running) + queueBound, tenantName: name,
                        resetsAt: Date().addingTimeInterval(TimeInterval(Self.inFlightRetrySeconds))))
            }
        }
        guard quota != nil || budget != nil || userLimit != nil else { return }
        let month = try await Self.monthlyUsage(
            try await connection.query(Self.monthlyUsageQuery(tenantID: tenantID, userID: userID), logger: logger))
        let (images, tokens, userImages, resets) = (month.images, month.tokens, month.userImages, month.resetsAt)
        if let quota, images >= quota {
            throw EnqueueError.quotaExceeded(QuotaRefusal(limit: .images, used: images, allowed: quota, tenantName: name, resetsAt: resets))
        }
        if let budget, tokens >= budget {
            throw EnqueueError.quotaExceeded(QuotaRefusal(limit: .tokens, used: tokens, allowed: budget, tenantName: name, resetsAt: resets))
        }
        if let userLimit, userImages >= userLimit {
            throw EnqueueError.quotaExceeded(QuotaRefusal(limit: .userImages, used: userImages, allowed: userLimit, tenantName: name, resetsAt: resets))
        }
    }

    /// The users of a tenant that have a monthly image limit of their own.
    public func userLimits(tenantID: UUID) async throws -> [UUID: Int] {
        let rows = try await client.query(
            "SELECT user_id, monthly_image_limit FROM user_limits WHERE tenant_id = \(tenantID)", logger: logger)
        var result: [UUID: Int] = [:]
        for try await (user, limit) in rows.decode((UUID, Int).self) { result[user] = limit }
        return result
    }

    /// Sets (or, with nil, removes) a user's own monthly image limit.
    public func setUserLimit(_ userID: UUID, tenantID: UUID, monthlyImages: Int?) async throws {
        if let monthlyImages {
            try await client.query(
                """
                INSERT INTO user_limits (user_id, tenant_id, monthly_image_limit) VALUES (\(userID), \(tenantID), \(monthlyImages))
                ON CONFLICT (user_id) DO UPDATE SET monthly_image_limit = EXCLUDED.monthly_image_limit, updated_at = now()
                """, logger: logger)
        } else {
            try await client.query("DELETE FROM user_limits WHERE user_id = \(userID) AND tenant_id = \(tenantID)", logger: logger)
        }
    }

    /// Stores the inputs and a `queued` generation in one transaction: from here on, the request
    /// always reaches a terminal state. A request outside any conversation starts one.
    public func enqueue(_ new: NewGeneration) async throws -> UUID {
        try await Transaction.run(client, logger: logger) { connection in
            try await Self.checkAdmission(tenantID: new.tenantID, userID: new.userID, on: connection, logger: logger)
            var options = new.options
            options.inputImageIds = []
            if !new.reusedImageIDs.isEmpty {
                var found = Set<UUID>()
                let rows = try await connection.query(
                    "SELECT id FROM images WHERE id = ANY(\(new.reusedImageIDs)) AND tenant_id = \(new.tenantID)", logger: logger)
                for try await id in rows.decode(UUID.self) { found.insert(id) }
                if let missing = new.reusedImageIDs.firstIndex(where: { !found.contains($0) }) {
                    throw EnqueueError.imageNotFound(index: missing)
                }
                options.inputImageIds = new.reusedImageIDs
            }
            for upload in new.uploads {
                options.inputImageIds.append(try await Self.storeImage(upload, tenantID: new.tenantID, on: connection, logger: logger))
            }

            var conversationID: UUID? = nil
            var parentID: UUID? = nil
            if let requested = new.parentID {
                let rows = try await connection.query(
                    """
                    SELECT conversation_id, status FROM generations
                    WHERE id = \(requested) AND tenant_id = \(new.tenantID) AND user_id = \(new.userID)
                    """, logger: logger)
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
                    """, logger: logger)
                guard let row = try await rows.collect().first else { throw EnqueueError.conversationNotFound }
                (conversationID, parentID) = try row.decode((UUID?, UUID?).self)
                if new.fromStart { parentID = nil }
            }
            if !new.inConversation {
                conversationID = nil
            } else if let existing = conversationID {
                try await connection.query("UPDATE conversations SET updated_at = now() WHERE id = \(existing)", logger: logger)
            } else {
                let title = ConversationStore.title(from: options.prompt)
                conversationID = try await connection.query(
                    """
                    INSERT INTO conversations (tenant_id, user_id, title) VALUES (\(new.tenantID), \(new.userID), \(title)) RETURNING id
                    """, logger: logger
                ).collect().first!.decode(UUID.self)
            }

            let request = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
            let leaseSeconds = new.inlineUnder.map { Double($0.lease.components.seconds) }
            let rows = try await connection.query(
                """
                INSERT INTO generations (tenant_id, user_id, api_key_id, model_id, conversation_id, parent_generation_id, source,
                                         request, prompt, aspect_ratio, image_size, inline, lease_owner, lease_expires_at)
                VALUES (\(new.tenantID), \(new.userID), \(new.apiKeyID), \(new.modelID), \(conversationID), \(parentID), \(new.source),
                        \(request)::jsonb, \(options.prompt), \(options.aspectRatio), \(options.imageSize),
                        \(new.inlineUnder != nil), \(new.inlineUnder?.owner)::text,
                        CASE WHEN \(leaseSeconds)::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => \(leaseSeconds)::float8) END)
                RETURNING id
                """, logger: logger)
            let id = try await rows.collect().first!.decode(UUID.self)
            for (position, imageID) in options.inputImageIds.enumerated() {
                try await connection.query(
                    """
                    INSERT INTO generation_images (tenant_id, generation_id, image_id, role, position)
                    VALUES (\(new.tenantID), \(id), \(imageID), 'input', \(position))
                    """, logger: logger)
            }
            return id
        }
    }

    /// What a tenant, and one of its users, have used this calendar month (UTC), counted as the
    /// quota check counts: finished generations by their images and tokens (a blocked or
    /// image-less result as one image and its tokens when the tenant counts those, else as
    /// nothing), queued and running ones as one image each.
    public struct MonthlyUsage: Sendable, Equatable {
        public var images: Int
        public var tokens: Int
        public var userImages: Int
        /// The user's own monthly image limit, if an admin set one.
        public var userLimit: Int?
        public var resetsAt: Date
    }

    /// Reads the daily roll-up for finished generations and `generations` for the ones in
    /// flight, in one statement so a generation finishing meanwhile is counted once.
    static func monthlyUsageQuery(tenantID: UUID, userID: UUID) -> PostgresQuery {
        """
        WITH month AS (SELECT date_trunc('month', now() AT TIME ZONE 'UTC') AS start),
        counted AS (
            SELECT user_id, requests, images, total_tokens, (status = 'blocked' OR reason = 'no_image') AS imageless
            FROM usage_daily WHERE tenant_id = \(tenantID) AND day >= (SELECT start FROM month)::date
            UNION ALL
            SELECT user_id, 1, 1, 0, false FROM generations
            WHERE status IN ('queued', 'running') AND tenant_id = \(tenantID)
              AND created_at >= (SELECT start FROM month) AT TIME ZONE 'UTC'
        ), weighed AS (
            SELECT user_id,
                   CASE WHEN NOT imageless THEN images WHEN t.quota_counts_imageless THEN requests ELSE 0 END AS images,
                   CASE WHEN NOT imageless OR t.quota_counts_imageless THEN total_tokens ELSE 0 END AS tokens
            FROM counted, tenants t WHERE t.id = \(tenantID)
        )
        SELECT COALESCE(sum(images), 0)::bigint, COALESCE(sum(tokens), 0)::bigint,
               COALESCE(sum(images) FILTER (WHERE user_id = \(userID)), 0)::bigint,
               (SELECT monthly_image_limit FROM user_limits WHERE user_id = \(userID) AND tenant_id = \(tenantID)),
               ((SELECT start FROM month) + interval '1 month') AT TIME ZONE 'UTC'
        FROM weighed
        """
    }

    static func monthlyUsage(_ rows: PostgresRowSequence) async throws -> MonthlyUsage {
        let (images, tokens, userImages, userLimit, resets) = try await rows.collect().first!.decode((Int, Int, Int, Int?, Date).self)
        return MonthlyUsage(images: images, tokens: tokens, userImages: userImages, userLimit: userLimit, resetsAt: resets)
    }

    public func monthlyUsage(tenantID: UUID, userID: UUID) async throws -> MonthlyUsage {
        try await Self.monthlyUsage(try await client.query(Self.monthlyUsageQuery(tenantID: tenantID, userID: userID), logger: logger))
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
                  WHERE gi.generation_id = g.id AND gi.role = 'output'), '[]'),
        g.conversation_id, g.parent_generation_id, m.name, u.email, g.grounding::text, g.partial_text, g.image_tokens, g.cost_micros,
        g.prompt_image_tokens
        """
    static let tables = "generations g JOIN models m ON m.id = g.model_id JOIN users u ON u.id = g.user_id"

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
            outputs: outputs.map { GenerationRecord.Image(id: $0.id, mimeType: $0.mimeType, width: $0.width, height: $0.height) },
            conversationID: try c[26].decode(UUID?.self), parentID: try c[27].decode(UUID?.self), modelName: try c[28].decode(String.self),
            userEmail: try c[29].decode(String.self), groundingJSON: try c[30].decode(String?.self), partialText: try c[31].decode(String?.self),
            imageTokens: try c[32].decode(Int?.self), promptImageTokens: try c[34].decode(Int?.self), costMicros: try c[33].decode(Int?.self))
    }

    public func get(_ id: UUID, scope: GenerationScope) async throws -> GenerationRecord? {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.tables)
            WHERE g.id = \(id) AND (\(scope.tenantID)::uuid IS NULL OR g.tenant_id = \(scope.tenantID))
              AND (\(scope.userID)::uuid IS NULL OR g.user_id = \(scope.userID))
            """, logger: logger)
        return try await rows.collect().first.map(Self.record)
    }

    /// History, newest first.
    public func list(scope: GenerationScope, filter: GenerationFilter = .init(), limit: Int, before cursor: Cursor?) async throws -> Page<GenerationRecord> {
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
              AND (\(beforeMicros)::bigint IS NULL
                   OR (g.created_at, g.id) < (timestamptz 'epoch' + \(beforeMicros)::bigint * interval '1 microsecond', \(beforeID)))
            ORDER BY g.created_at DESC, g.id DESC LIMIT \(limit + 1)
            """, logger: logger)
        return try await Page(rows, limit: limit, decode: Self.record) { $0.id.uuidString }
    }

    /// The turns of a conversation, oldest first (every branch).
    public func turns(ofConversation conversationID: UUID, tenantID: UUID) async throws -> [GenerationRecord] {
        let rows = try await client.query(
            """
            SELECT \(unescaped: Self.columns) FROM \(unescaped: Self.tables)
            WHERE g.conversation_id = \(conversationID) AND g.tenant_id = \(tenantID)
            ORDER BY g.created_at, g.id LIMIT 1000
            """, logger: logger)
        return try await rows.collect().map(Self.record)
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

    /// An image's stored preview, or (when none was made yet) the original to make one from.
    public struct PreviewSource: Sendable {
        public var preview: ByteBuffer?
        public var original: ByteBuffer?
        public var mimeType: String
        public var sha256: String
        public var width: Int?
        public var height: Int?
    }

    public func previewSource(_ id: UUID, tenantID: UUID?) async throws -> PreviewSource? {
        let rows = try await client.query(
            """
            SELECT preview, CASE WHEN preview IS NULL THEN data END, mime_type, encode(sha256, 'hex'), width, height FROM images
            WHERE id = \(id) AND (\(tenantID)::uuid IS NULL OR tenant_id = \(tenantID))
            """, logger: logger)
        guard let row = try await rows.collect().first else { return nil }
        let (preview, original, mime, sha, width, height) = try row.decode((ByteBuffer?, ByteBuffer?, String, String, Int?, Int?).self)
        return PreviewSource(preview: preview, original: original, mimeType: mime, sha256: sha, width: width, height: height)
    }

    /// Deletes, in batches, the images that tenants' retention periods have expired (an image
    /// still used by a generation inside the period stays) and images no generation uses (left by
    /// deleted users' generations). Generations and their usage figures are kept. One instance at
    /// a time does this (an advisory lock); returns how many images went.
    @discardableResult
    public func purgeImages(batch: Int = 500) async throws -> Int {
        try await Transaction.run(client, logger: logger) { connection in
            let locked = try await connection.query(
                "SELECT pg_try_advisory_xact_lock(hashtext('easel.purge_images'))", logger: logger
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
                """, logger: logger)
            return try await rows.collect().count
        }
    }

    /// Keeps a preview made on first request, so it is made once per image.
    public func storePreview(_ id: UUID, png: Data) async throws {
        try await client.query(
            "UPDATE images SET preview = \(ByteBuffer(data: png)), preview_mime_type = 'image/png' WHERE id = \(id) AND preview IS NULL",
            logger: logger)
    }
}
