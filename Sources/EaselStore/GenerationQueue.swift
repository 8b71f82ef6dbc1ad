import EaselCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The durable job queue: claiming generations, renewing leases, storing how they ended.
///
/// A generation row is `queued` before any upstream call. Workers claim rows with
/// `FOR UPDATE SKIP LOCKED` and a lease, so several instances share one database and a dead
/// instance's jobs are claimed again when their leases run out. Inline calls (a client waits on
/// the connection for the answer) are queued rows with their waiter's lease that only their
/// waiter starts, under the same tenant limit; they are never claimed by another instance.
public struct GenerationQueue: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// One earlier turn, replayed to the model: what the user sent and what the model answered.
    public struct Turn: Sendable {
        public var prompt: String
        public var inputs: [ImageData]
        public var answer: [AnswerPart]
        /// The turn's output images; answer parts refer to them by position.
        public var outputs: [ImageData]
    }

    /// One part of a model's answer as stored: text or an output image, with its signature.
    public struct AnswerPart: Codable, Sendable, Equatable {
        public var text: String?
        /// Position of the output image among the generation's outputs.
        public var image: Int?
        public var thoughtSignature: String?

        public init(text: String? = nil, image: Int? = nil, thoughtSignature: String? = nil) {
            self.text = text
            self.image = image
            self.thoughtSignature = thoughtSignature
        }
    }

    /// A job a worker holds: what to send upstream.
    public struct Job: Sendable {
        public var id: UUID
        public var tenantID: UUID
        public var modelID: UUID
        public var options: GenerationOptions
        public var inputs: [ImageData]
        /// The earlier turns of its branch, oldest first.
        public var history: [Turn]
    }

    /// How many times a job may be claimed. A job claimed this often whose lease ran out again
    /// (its instance died each time) is ended `failed` (`reclaim_limit`) rather than sent
    /// upstream once more: a job that crashes its process would otherwise crash-loop every
    /// instance in turn, and be paid for each time.
    public static let claimLimit = 3

    /// What a claim found.
    private enum Claimed {
        case job(id: UUID, tenantID: UUID, modelID: UUID, request: String, parentID: UUID?)
        /// Claimed `claimLimit` times already; ended `failed` in the claim's transaction.
        case exhausted(UUID)
    }

    /// Claims the oldest queued job, or a running one whose lease ran out (its worker died) before
    /// its call was sent upstream, skipping rows other workers hold, jobs a user asked to
    /// cancel, and tenants at their concurrency limit; then loads what the job needs. If loading fails the claim is handed
    /// back, so no row is left `running` under a lease nobody renews.
    public func claim(owner: String, lease: Duration) async throws -> Job? {
        while true {
            let claimed = try await Transaction.run(client, logger: logger) { connection -> Claimed? in
                let candidate = try await connection.query(
                    """
                    SELECT g.id, g.tenant_id, t.max_concurrent_generations IS NOT NULL, g.claims
                    FROM generations g JOIN tenants t ON t.id = g.tenant_id
                    WHERE (g.status = 'queued' OR (g.status = 'running' AND g.lease_expires_at < now() AND g.sent_at IS NULL))
                      AND NOT g.inline AND NOT g.cancel_requested
                      AND \(unescaped: Self.tenantUnderLimit)
                    ORDER BY g.created_at
                    FOR UPDATE OF g SKIP LOCKED
                    LIMIT 1
                    """,
                    logger: logger
                ).collect().first?.decode((UUID, UUID, Bool, Int).self)
                guard let (id, tenantID, limited, claims) = candidate else { return nil }
                if claims >= Self.claimLimit {
                    try await connection.query(
                        """
                        UPDATE generations SET status = 'failed', error_code = 'reclaim_limit',
                            error_message = \("Easel started this generation \(claims) times and the instance running it stopped each time, so it was not tried again."),
                            partial_text = NULL, lease_owner = NULL, lease_expires_at = NULL, finished_at = now()
                        WHERE id = \(id)
                        """,
                        logger: logger
                    )
                    return .exhausted(id)
                }
                if limited, try await !Self.underLimitSerialized(id, tenantID: tenantID, on: connection, logger: logger) { return nil }
                return try await connection.query(
                    """
                    UPDATE generations SET status = 'running', lease_owner = \(owner), claims = claims + 1,
                        lease_expires_at = now() + make_interval(secs => \(Double(lease.components.seconds))),
                        started_at = COALESCE(started_at, clock_timestamp())
                    WHERE id = \(id)
                    RETURNING id, tenant_id, model_id, request::text, parent_generation_id
                    """,
                    logger: logger
                ).collect().first.map {
                    let (id, tenantID, modelID, request, parentID) = try $0.decode((UUID, UUID, UUID, String, UUID?).self)
                    return .job(id: id, tenantID: tenantID, modelID: modelID, request: request, parentID: parentID)
                }
            }
            switch claimed {
            case nil:
                return nil
            case .exhausted(let id):
                logger.error("a generation reached its claim limit and was ended failed", metadata: ["generation": "\(id)"])
            case .job(let id, let tenantID, let modelID, let request, let parentID):
                guard let options = try? JSONDecoder().decode(GenerationOptions.self, from: Data(request.utf8)) else {
                    // Not something this version wrote: end it now rather than claim it again forever.
                    try await client.query(
                        """
                        UPDATE generations SET status = 'failed', error_code = 'unreadable_request',
                            error_message = 'The stored request could not be read by this version of Easel.',
                            lease_owner = NULL, lease_expires_at = NULL, finished_at = now()
                        WHERE id = \(id) AND lease_owner = \(owner)
                        """,
                        logger: logger
                    )
                    logger.error("a stored generation request could not be read; marked failed", metadata: ["generation": "\(id)"])
                    continue
                }
                do {
                    let inputs = options.inputImageIds.isEmpty ? [] : try await images(of: id, role: "input")
                    var history: [Turn] = []
                    if let parentID { history = try await self.history(before: parentID, tenantID: tenantID) }
                    return Job(id: id, tenantID: tenantID, modelID: modelID, options: options, inputs: inputs, history: history)
                } catch {
                    // Nothing was sent upstream: give the job back for the next claim.
                    _ = try? await handBack([id], owner: owner)
                    throw error
                }
            }
        }
    }

    /// The earlier turns of the branch that ends with `parentID`: the parent, the parent's
    /// parent, and so on, oldest first.
    func history(before parentID: UUID, tenantID: UUID) async throws -> [Turn] {
        let chain = try await client.query(
            """
            WITH RECURSIVE chain(id, parent, depth) AS (
                SELECT id, parent_generation_id, 0 FROM generations WHERE id = \(parentID) AND tenant_id = \(tenantID)
                UNION ALL
                SELECT g.id, g.parent_generation_id, c.depth + 1 FROM generations g JOIN chain c ON g.id = c.parent
                WHERE c.depth < 100
            )
            SELECT g.id, g.prompt, g.response_text, g.response_parts::text FROM chain c JOIN generations g ON g.id = c.id
            ORDER BY c.depth DESC
            """,
            logger: logger
        )
        var history: [Turn] = []
        for row in try await chain.collect() {
            let (turnID, prompt, text, partsJSON) = try row.decode((UUID, String, String?, String?).self)
            let outputs = try await images(of: turnID, role: "output")
            var answer: [AnswerPart]
            if let partsJSON {
                answer = try JSONDecoder().decode([AnswerPart].self, from: Data(partsJSON.utf8))
            } else {
                answer =
                    (text.map { [AnswerPart(text: $0)] } ?? [])
                    + outputs.indices.map {
                        AnswerPart(image: $0, thoughtSignature: outputs[$0].thoughtSignature)
                    }
            }
            answer = answer.filter { $0.image.map { outputs.indices.contains($0) } ?? true }
            history.append(Turn(prompt: prompt, inputs: try await images(of: turnID, role: "input"), answer: answer, outputs: outputs))
        }
        return history
    }

    /// Gives back the leases `owner` holds on the queued jobs among `ids` (not inline calls,
    /// which only their waiter may run), with their claims: they are `queued` again, so any
    /// instance claims them at once. Only for jobs known to have no answer: never sent, or
    /// whose call this instance stopped itself. Used when a claim could not load its job and for the jobs
    /// still running when a graceful shutdown's time is up. Returns the ids handed back.
    @discardableResult
    public func handBack(_ ids: [UUID], owner: String) async throws -> [UUID] {
        let rows = try await client.query(
            """
            UPDATE generations SET lease_owner = NULL, lease_expires_at = NULL, partial_text = NULL,
                claims = greatest(claims - 1, 0), sent_at = NULL,
                -- A user's cancel that came meanwhile ends it here (queued rows with a cancel
                -- request are never claimed).
                status = CASE WHEN cancel_requested THEN 'canceled' ELSE 'queued' END,
                finished_at = CASE WHEN cancel_requested THEN now() END
            WHERE id = ANY(\(ids)) AND status = 'running' AND lease_owner = \(owner) AND NOT inline
            RETURNING id
            """,
            logger: logger
        )
        var handed: [UUID] = []
        for try await id in rows.decode(UUID.self) { handed.append(id) }
        return handed
    }

    /// A generation's input or output images, in order, with their signatures.
    func images(of generationID: UUID, role: String) async throws -> [ImageData] {
        let rows = try await client.query(
            """
            SELECT i.data, i.mime_type, i.width, i.height, gi.thought_signature FROM generation_images gi JOIN images i ON i.id = gi.image_id
            WHERE gi.generation_id = \(generationID) AND gi.role = \(role) ORDER BY gi.position
            """,
            logger: logger
        )
        var images: [ImageData] = []
        for try await (data, mime, width, height, signature) in rows.decode((ByteBuffer, String, Int?, Int?, String?).self) {
            images.append(ImageData(data: Data(buffer: data), mimeType: mime, width: width, height: height, thoughtSignature: signature))
        }
        return images
    }

    /// Whether the tenant of `g` runs fewer generations than it may (`t` is its tenant row).
    static let tenantUnderLimit = """
        (t.max_concurrent_generations IS NULL OR (
            SELECT count(*) FROM generations r
            WHERE r.tenant_id = g.tenant_id AND r.status = 'running' AND r.lease_expires_at >= now()
        ) < t.max_concurrent_generations)
        """

    /// Extends the leases of the jobs among `ids` that `owner` still holds, in one statement:
    /// only what this process runs or waits on, so a row it lost track of is reclaimed.
    public func renew(_ ids: [UUID], owner: String, lease: Duration) async throws {
        try await client.query(
            """
            UPDATE generations SET lease_expires_at = now() + make_interval(secs => \(Double(lease.components.seconds)))
            WHERE id = ANY(\(ids)) AND status IN ('queued', 'running') AND lease_owner = \(owner)
            """,
            logger: logger
        )
    }

    /// How an attempt to start an inline call went.
    public enum InlineStart: Sendable, Equatable {
        /// The row is `running` under the caller's lease.
        case started
        /// The row is no longer queued for the caller (canceled, or ended as orphaned).
        case notQueued
        /// The tenant runs as many generations as it may; try again when one ends.
        case tenantAtLimit
    }

    /// Starts an inline call's row (stored `queued` with the waiter's lease) when its tenant is
    /// under its concurrency limit, by the same rule the claim of queued jobs follows.
    public func startInline(_ id: UUID, tenantID: UUID, owner: String, lease: Duration) async throws -> InlineStart {
        try await Transaction.run(client, logger: logger) { connection in
            let found = try await connection.query(
                """
                SELECT 1 FROM generations WHERE id = \(id) AND tenant_id = \(tenantID) AND status = 'queued' AND lease_owner = \(owner)
                FOR UPDATE
                """,
                logger: logger
            ).collect()
            guard !found.isEmpty else { return .notQueued }
            guard try await Self.underLimitSerialized(id, tenantID: tenantID, on: connection, logger: logger) else { return .tenantAtLimit }
            try await connection.query(
                """
                -- The time of the start itself, not of the transaction's beginning: the count above
                -- may have waited for another call of the tenant to end.
                UPDATE generations SET status = 'running', started_at = clock_timestamp(),
                    lease_expires_at = now() + make_interval(secs => \(Double(lease.components.seconds)))
                WHERE id = \(id)
                """,
                logger: logger
            )
            return .started
        }
    }

    /// Whether the tenant of generation `id` may start one more, counted under a per-tenant lock
    /// held to the end of the caller's transaction: the count is a statement of its own, so it
    /// sees every start committed before the lock was granted, and two starts of one tenant
    /// (on one instance or two) are counted one after the other.
    static func underLimitSerialized(_ id: UUID, tenantID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtext('easel.concurrency'), hashtext(\(tenantID.uuidString.lowercased())))",
            logger: logger
        )
        return try await connection.query(
            "SELECT \(unescaped: Self.tenantUnderLimit) FROM generations g JOIN tenants t ON t.id = g.tenant_id WHERE g.id = \(id)",
            logger: logger
        ).collect().first?.decode(Bool.self) ?? false
    }

    /// Ends an inline call whose caller left before it started: nothing was sent upstream.
    public func cancelWaiting(_ id: UUID, tenantID: UUID, owner: String) async throws {
        try await client.query(
            """
            UPDATE generations SET status = 'canceled', lease_owner = NULL, lease_expires_at = NULL, finished_at = now()
            WHERE id = \(id) AND tenant_id = \(tenantID) AND status = 'queued' AND lease_owner = \(owner)
            """,
            logger: logger
        )
    }

    /// Ends an inline call that could not start (its instance is shutting down) as `failed`.
    public func failWaiting(_ id: UUID, tenantID: UUID, owner: String, code: String, message: String) async throws {
        try await client.query(
            """
            UPDATE generations SET status = 'failed', error_code = \(code), error_message = \(message),
                lease_owner = NULL, lease_expires_at = NULL, finished_at = now()
            WHERE id = \(id) AND tenant_id = \(tenantID) AND status = 'queued' AND lease_owner = \(owner)
            """,
            logger: logger
        )
    }

    /// Ends what an instance that died left behind and must not run again (their lease ran
    /// out): inline calls, whose caller has gone with it (`failed`, `client_gone`); jobs a user
    /// asked to cancel while they ran (`canceled`); and jobs whose call had been sent upstream
    /// (`failed`, `instance_lost`): Google may have answered and billed it, so sending it again
    /// could pay twice. Returns their ids.
    public func endOrphans() async throws -> [UUID] {
        let rows = try await client.query(
            """
            UPDATE generations SET
                status = CASE WHEN cancel_requested THEN 'canceled' ELSE 'failed' END,
                error_code = CASE WHEN cancel_requested THEN NULL WHEN inline THEN 'client_gone' ELSE 'instance_lost' END,
                error_message = CASE WHEN cancel_requested THEN NULL
                    WHEN inline THEN 'The Easel instance answering this call stopped before it finished; the caller was not answered.'
                    ELSE 'The Easel instance running this generation stopped during its call to Gemini. It was not sent again, since Gemini may have charged for the first call; try again.' END,
                partial_text = NULL, lease_owner = NULL, lease_expires_at = NULL, finished_at = now()
            WHERE lease_expires_at < now() AND (
                (status = 'running' AND (inline OR cancel_requested OR sent_at IS NOT NULL))
                OR (status = 'queued' AND inline))
            RETURNING id
            """,
            logger: logger
        )
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    /// Records that the job's call is about to go upstream, while `owner` holds it: from now on
    /// it is never claimed again (see ``endOrphans()``). False when the job is no longer this
    /// owner's.
    public func markSent(_ id: UUID, owner: String) async throws -> Bool {
        try await !client.query(
            "UPDATE generations SET sent_at = now() WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner) RETURNING id",
            logger: logger
        ).collect().isEmpty
    }

    /// Which of `ids` a user asked to cancel.
    public func cancelRequested(among ids: [UUID]) async throws -> Set<UUID> {
        let rows = try await client.query(
            "SELECT id FROM generations WHERE id = ANY(\(ids)) AND cancel_requested",
            logger: logger
        )
        var found: Set<UUID> = []
        for try await id in rows.decode(UUID.self) { found.insert(id) }
        return found
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
        /// Output tokens that were images.
        public var imageTokens: Int?
        /// Prompt tokens that were images.
        public var promptImageTokens: Int?
        public var usageJSON: String?
        public var attempts: Int
        public var upstreamHost: String?
        public var latencyMs: Int?
        public var modelVersion: String?
        public var responseID: String?
        public var honoredImageConfig: Bool?
        public var outputs: [ImageData]
        /// The answer's parts in order (text and output positions), replayed by later turns.
        public var answer: [AnswerPart]?
        /// groundingMetadata as JSON.
        public var groundingJSON: String?

        public init(status: GenerationStatus, attempts: Int = 0, outputs: [ImageData] = []) {
            self.status = status
            self.attempts = attempts
            self.outputs = outputs
        }
    }

    /// Stores the terminal state, if this worker still holds the job; false when another took it.
    /// The row is updated first (which locks it and proves the lease), then the images follow in
    /// the same transaction.
    @discardableResult
    public func finish(_ id: UUID, tenantID: UUID, owner: String, _ finish: Finish) async throws -> Bool {
        let answerJSON = try finish.answer.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        return try await Transaction.run(client, logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE generations SET status = \(finish.status.rawValue), response_text = \(finish.responseText),
                    finish_reason = \(finish.finishReason), block_reason = \(finish.blockReason), error_code = \(finish.errorCode),
                    error_message = \(finish.errorMessage), prompt_tokens = \(finish.promptTokens), output_tokens = \(finish.outputTokens),
                    thought_tokens = \(finish.thoughtTokens), total_tokens = \(finish.totalTokens), usage = \(finish.usageJSON)::jsonb,
                    image_count = \(finish.outputs.count), attempts = attempts + \(finish.attempts), upstream_host = \(finish.upstreamHost),
                    latency_ms = \(finish.latencyMs), model_version = \(finish.modelVersion), response_id = \(finish.responseID),
                    honored_image_config = \(finish.honoredImageConfig), response_parts = \(answerJSON)::jsonb,
                    grounding = \(finish.groundingJSON)::jsonb, partial_text = NULL, lease_owner = NULL, lease_expires_at = NULL,
                    finished_at = now(), image_tokens = \(finish.imageTokens), prompt_image_tokens = \(finish.promptImageTokens),
                    cost_micros = generation_cost_micros(
                        (SELECT api_model FROM models WHERE models.id = generations.model_id), service_tier, (created_at AT TIME ZONE 'UTC')::date,
                        \(finish.promptTokens)::int, \(finish.outputTokens)::int, \(finish.imageTokens)::int, \(finish.thoughtTokens)::int)
                WHERE id = \(id) AND tenant_id = \(tenantID) AND status = 'running' AND lease_owner = \(owner)
                RETURNING id
                """,
                logger: logger
            )
            guard try await !rows.collect().isEmpty else { return false }
            for (position, output) in finish.outputs.enumerated() {
                _ = try await ImageStore.store(output, tenantID: tenantID, on: connection, logger: logger, asOutput: (id, position))
            }
            return true
        }
    }

    /// Records the text streamed so far, while this worker holds the job.
    public func updatePartialText(_ id: UUID, owner: String, text: String) async throws {
        try await client.query(
            "UPDATE generations SET partial_text = \(text) WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)",
            logger: logger
        )
    }
}
