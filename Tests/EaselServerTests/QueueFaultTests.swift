import EaselCore
import EaselStore
import EaselTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import EaselServer

/// The durable queue under the faults production brings: instances that die, a database that
/// fails, a graceful shutdown, several instances on one database. Each test waits on the event
/// it checks (a status, a notification), never on a clock a slow machine could miss.
@Suite(.timeLimit(.minutes(2))) struct QueueFaultTests {
    /// Inserts a generation of acme's member as another instance would have left it.
    @discardableResult
    static func insertJob(
        _ studio: Studio,
        prompt: String,
        model: String = "gemini-2.5-flash-image",
        status: String = "running",
        leaseOwner: String? = "dead-worker",
        leaseEndsIn seconds: Int = -60,
        claims: Int = 1,
        sent: Bool = false
    ) async throws -> UUID {
        let options = String(decoding: try JSONEncoder().encode(GenerationOptions(prompt: prompt)), as: UTF8.self)
        let running = status == "running"
        return try await studio.db.query(
            """
            INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt, status, lease_owner, lease_expires_at,
                                     started_at, claims, sent_at)
            VALUES (\(studio.world.acme), \(studio.world.acmeMember.id), \(UUID(uuidString: studio.models[model]!)!), 'api',
                    \(options)::jsonb, \(prompt), \(status), \(leaseOwner)::text,
                    CASE WHEN \(leaseOwner)::text IS NULL THEN NULL ELSE now() + make_interval(secs => \(Double(seconds))) END,
                    CASE WHEN \(running) THEN now() - interval '2 minutes' END, \(claims),
                    CASE WHEN \(sent) THEN now() - interval '1 minute' END)
            RETURNING id
            """,
            logger: TestDatabase.logger
        ).collect().first!.decode(UUID.self)
    }

    struct Row: Sendable {
        var status: String
        var errorCode: String?
        var leaseOwner: String?
        var claims: Int
        var sent: Bool
    }

    static func row(_ studio: Studio, _ id: UUID) async throws -> Row {
        let (status, code, owner, claims, sent) = try await studio.db.query(
            "SELECT status, error_code, lease_owner, claims, sent_at IS NOT NULL FROM generations WHERE id = \(id)",
            logger: TestDatabase.logger
        ).collect().first!.decode((String, String?, String?, Int, Bool).self)
        return Row(status: status, errorCode: code, leaseOwner: owner, claims: claims, sent: sent)
    }

    /// Waits until the row's status is one of `statuses`, for at most `seconds`: long enough for
    /// any machine, and short of the suite's time limit, so a regression fails with the row.
    static func waitFor(_ studio: Studio, _ id: UUID, _ statuses: Set<String>, seconds: Int = 45) async throws -> Row {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            let row = try await row(studio, id)
            if statuses.contains(row.status) { return row }
            try #require(ContinuousClock.now < deadline, "still \(row.status) after \(seconds) s: \(row)")
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static let terminal: Set<String> = ["succeeded", "blocked", "failed", "canceled"]

    // MARK: Instances that die

    /// A job whose instance died before its call went upstream is run by another (its claim
    /// counted); one claimed as often as the limit allows, whose instance died each time, is
    /// ended with a reason instead of crash-looping every instance; one whose call had been
    /// sent is never sent again (Gemini may have billed it), and ends `instance_lost`.
    @Test func orphansAreRunAgainOnlyWhenNothingWasSentAndOnlyUpToTheClaimLimit() async throws {
        try await withStudioEnvironment(configure: { $0.workers = 1 }) { studio in
            let again = try await Self.insertJob(studio, prompt: "orphan, never sent", claims: 1)
            let exhausted = try await Self.insertJob(studio, prompt: "orphan, crashed thrice", claims: GenerationQueue.claimLimit)
            let sent = try await Self.insertJob(studio, prompt: "orphan, sent upstream", claims: 1, sent: true)

            let ran = try await Self.waitFor(studio, again, Self.terminal)
            #expect(ran.status == "succeeded")
            #expect(ran.claims == 2)
            let limited = try await Self.waitFor(studio, exhausted, Self.terminal)
            #expect(limited.status == "failed" && limited.errorCode == "reclaim_limit", "\(limited)")
            let lost = try await Self.waitFor(studio, sent, Self.terminal)
            #expect(lost.status == "failed" && lost.errorCode == "instance_lost", "\(lost)")
            let message = try await studio.client.call(.get, "/api/v1/generations/\(exhausted)", as: .key(studio.world.acmeMemberKey))
                .json["error"]?["message"]?.stringValue
            #expect(message?.contains("3 times") == true, "\(message ?? "")")

            let prompts = try await studio.upstreamRequests().compactMap { $0["body"]?["contents"]?[0]?["parts"]?[0]?["text"]?.stringValue }
            #expect(prompts == ["orphan, never sent"], "only the job never sent may go upstream: \(prompts)")
        }
    }

    /// Renewal extends only the leases of the jobs this process runs: a row that carries its
    /// owner but that it lost track of (a claim abandoned after it committed) runs out and is
    /// taken over, instead of holding a slot forever.
    @Test func onlyTheJobsAProcessRunsAreRenewed() async throws {
        try await withStudioEnvironment { studio in
            let held = try await Self.insertJob(studio, prompt: "held", leaseOwner: "me", leaseEndsIn: 30)
            let lost = try await Self.insertJob(studio, prompt: "lost track of", leaseOwner: "me", leaseEndsIn: 30)
            let queue = GenerationQueue(client: studio.db, logger: TestDatabase.logger)
            try await queue.renew([held], owner: "me", lease: .seconds(3600))
            let (heldLease, lostLease) = try await studio.db.query(
                """
                SELECT (SELECT lease_expires_at > now() + interval '10 minutes' FROM generations WHERE id = \(held)),
                       (SELECT lease_expires_at > now() + interval '10 minutes' FROM generations WHERE id = \(lost))
                """,
                logger: TestDatabase.logger
            ).collect().first!.decode((Bool, Bool).self)
            #expect(heldLease)
            #expect(!lostLease)
        }
    }

    /// A purge that takes long (here: blocked by a lock on `images`) never holds up the renewal
    /// of the leases of the jobs this process runs, or other instances would run them again.
    @Test func aLongPurgeDoesNotDelayLeaseRenewal() async throws {
        try await withStudioEnvironment(configure: {
            $0.lease = .seconds(3)
            $0.imagePurgeInterval = .milliseconds(100)
        }) { studio in
            let created = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: .key(studio.world.acmeMemberKey),
                json: #"{"modelId":"\#(studio.models["gemini-2.5-flash-image"]!)","prompt":"[sim:hold=renewed] running while images are locked"}"#
            )
            let id = try #require(created.json["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            _ = try await Self.waitFor(studio, id, ["running"])
            let (locked, lockTaken) = AsyncStream.makeStream(of: Void.self)
            let (released, release) = AsyncStream.makeStream(of: Void.self)
            let holder = Task {
                try await studio.db.withConnection { connection in
                    try await connection.query("BEGIN", logger: TestDatabase.logger)
                    try await connection.query("LOCK TABLE images IN ACCESS EXCLUSIVE MODE", logger: TestDatabase.logger)
                    lockTaken.yield()
                    for await _ in released { break }
                    try await connection.query("ROLLBACK", logger: TestDatabase.logger)
                }
            }
            for await _ in locked { break }
            // The purge is stuck behind the lock...
            while try await studio.db.query(
                "SELECT count(*)::int FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%image_retention_days%'",
                logger: TestDatabase.logger
            ).collect().first!.decode(Int.self) == 0 {
                try await Task.sleep(for: .milliseconds(20))
            }
            // ...while the lease is renewed past two of its lengths from now.
            let renewedUntil = try await studio.db.query("SELECT now() + interval '5 seconds'", logger: TestDatabase.logger)
                .collect().first!.decode(Date.self)
            let deadline = ContinuousClock.now + .seconds(30)
            var lease = Date.distantPast
            while lease <= renewedUntil, ContinuousClock.now < deadline {
                lease = try await studio.db.query("SELECT lease_expires_at FROM generations WHERE id = \(id)", logger: TestDatabase.logger)
                    .collect().first!.decode(Date.self)
                try await Task.sleep(for: .milliseconds(100))
            }
            // Unlocked before any expectation, so a failure cannot leave the lock held.
            release.yield()
            try await holder.value
            #expect(lease > renewedUntil, "the lease was not renewed while the purge waited")
            try await studio.release("renewed")
            #expect(try await Self.waitFor(studio, id, Self.terminal).status == "succeeded")
        }
    }

    /// Two instances claiming at once for a tenant allowed one generation at a time: exactly
    /// one gets a job, every round (the running count is taken under a per-tenant lock). No app
    /// runs here: the two queues are the only claimers.
    @Test func theTenantLimitHoldsAcrossInstancesClaimingAtOnce() async throws {
        try await TestDatabase.with { _, db in
            let world = try await World.make(db)
            try await db.query("UPDATE tenants SET max_concurrent_generations = 1 WHERE id = \(world.acme)", logger: TestDatabase.logger)
            let model = try await db.query(
                "INSERT INTO models (name, api_model) VALUES ('Nano Banana', 'gemini-2.5-flash-image') RETURNING id",
                logger: TestDatabase.logger
            ).collect().first!.decode(UUID.self)
            let options = String(decoding: try JSONEncoder().encode(GenerationOptions(prompt: "race")), as: UTF8.self)
            let a = GenerationQueue(client: db, logger: TestDatabase.logger)
            let b = GenerationQueue(client: db, logger: TestDatabase.logger)
            for round in 0..<25 {
                try await db.query("DELETE FROM generations", logger: TestDatabase.logger)
                for _ in 0..<2 {
                    try await db.query(
                        """
                        INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt)
                        VALUES (\(world.acme), \(world.acmeMember.id), \(model), 'api', \(options)::jsonb, 'race')
                        """,
                        logger: TestDatabase.logger
                    )
                }
                async let claimedByA = a.claim(owner: "instance-a", lease: .seconds(600))
                async let claimedByB = b.claim(owner: "instance-b", lease: .seconds(600))
                let claimed = [try await claimedByA, try await claimedByB].compactMap { $0 }
                #expect(claimed.count == 1, "round \(round): \(claimed.count) jobs of a tenant limited to one started at once")
            }
        }
    }

    // MARK: A database that fails

    /// The end of a job is stored even when the database refuses it at first: the worker
    /// retries (its lease renewed meanwhile) instead of leaving the row `running`.
    @Test func theEndOfAJobIsRetriedUntilStored() async throws {
        try await withStudioEnvironment { studio in
            // The first two attempts to end a generation fail inside PostgreSQL; a sequence,
            // because it is not rolled back with the failed statement.
            for statement in [
                "CREATE SEQUENCE finish_faults",
                """
                CREATE FUNCTION refuse_first_finishes() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.status = 'succeeded' AND nextval('finish_faults') <= 2 THEN
                        RAISE EXCEPTION 'injected fault: storing the end refused';
                    END IF;
                    RETURN NEW;
                END $$
                """,
                "CREATE TRIGGER refuse_first_finishes BEFORE UPDATE ON generations FOR EACH ROW EXECUTE FUNCTION refuse_first_finishes()",
            ] {
                try await studio.db.query(PostgresQuery(unsafeSQL: statement), logger: TestDatabase.logger)
            }
            let created = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: .key(studio.world.acmeMemberKey),
                json: #"{"modelId":"\#(studio.models["gemini-2.5-flash-image"]!)","prompt":"stored on the third try"}"#
            )
            let id = try #require(created.json["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let ended = try await Self.waitFor(studio, id, Self.terminal)
            #expect(ended.status == "succeeded", "\(ended)")
            let faults = try await studio.db.query("SELECT last_value::int FROM finish_faults", logger: TestDatabase.logger)
                .collect().first!.decode(Int.self)
            #expect(faults == 3, "two refused attempts, then the stored one")
        }
    }

    // MARK: Graceful shutdown

    /// A shutdown stops claiming at once, reports the instance not ready, ends event streams
    /// with a `shutdown` event and `?wait=` with the state as it is, and lets the call in flight
    /// finish within its budget.
    @Test func aShutdownDrainsCallsInFlightAndTellsWaiters() async throws {
        let drain = ShutdownDrain(budget: .seconds(90))
        try await withStudioEnvironment(configure: { $0.pollInterval = .seconds(600) }, drain: drain) { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-2.5-flash-image"]!
            let held = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"[sim:hold=drained] in flight"}"#
            )
            let heldID = try #require(held.json["id"]?.stringValue)
            while try await studio.upstreamRequests().isEmpty { try await Task.sleep(for: .milliseconds(20)) }

            let draining = Task { await drain.perform() }
            while try await studio.client.call(.get, "/ready").errorCode != "draining" { try await Task.sleep(for: .milliseconds(20)) }

            // Followed now, during the shutdown: the stream says so and ends; a wait answers at once.
            let events = try await studio.client.call(.get, "/api/v1/generations/\(heldID)/events", as: key).text
            #expect(events.contains("event: running") && events.hasSuffix(GenerationController.shutdownEvent), "\(events)")
            let waited = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=60",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"queued while draining"}"#
            )
            #expect(waited.status == .accepted && waited.json["status"] == .string("queued"), "\(waited.text)")

            try await studio.release("drained")
            await draining.value
            let finished = try await studio.client.call(.get, "/api/v1/generations/\(heldID)", as: key)
            #expect(finished.json["status"] == .string("succeeded"), "\(finished.status) \(finished.text)")
            // Nothing new was claimed: the job queued during the shutdown waits for the next instance.
            let queuedID = try #require(waited.json["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let queued = try await Self.row(studio, queuedID)
            #expect(queued.status == "queued" && !queued.sent)
            #expect(try await studio.upstreamRequests().count == 1)
        }
    }

    /// When the budget runs out, the queued job still running is stopped and handed back
    /// (`queued`, no lease, its claim returned) for another instance to take at once; the
    /// inline call still running ends `failed` (`shutting_down`) and its caller is told to retry.
    @Test func aShutdownThatRunsOutOfTimeHandsJobsBack() async throws {
        let drain = ShutdownDrain(budget: .milliseconds(300))
        try await withStudioEnvironment(drain: drain) { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let held = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: key,
                json: #"{"modelId":"\#(studio.models["gemini-2.5-flash-image"]!)","prompt":"[sim:hold=forever] queued job"}"#
            )
            let heldID = try #require(held.json["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            let inline = Task {
                try await studio.client.execute(
                    uri: "/v1beta/models/gemini-2.5-flash-image:streamGenerateContent?alt=sse",
                    method: .post,
                    headers: [.contentType: "application/json", HTTPField.Name("x-goog-api-key")!: studio.world.acmeMemberKey],
                    body: ByteBuffer(string: #"{"contents":[{"parts":[{"text":"[sim:hold=forever] inline call"}]}]}"#)
                )
            }
            while try await studio.upstreamRequests().count < 2 { try await Task.sleep(for: .milliseconds(20)) }

            await drain.perform()

            let handedBack = try await Self.row(studio, heldID)
            #expect(handedBack.status == "queued" && handedBack.leaseOwner == nil && handedBack.claims == 0 && !handedBack.sent, "\(handedBack)")
            // The stream had sent nothing yet: Google's error is its only event.
            let answer = try await inline.value.text
            #expect(answer.hasPrefix("data: ") && answer.contains(#""status":"UNAVAILABLE""#), "\(answer.prefix(300))")
            let inlineEnd = try await studio.db.query(
                "SELECT status, error_code FROM generations WHERE inline",
                logger: TestDatabase.logger
            ).collect().first!.decode((String, String?).self)
            #expect(inlineEnd == ("failed", "shutting_down"))
            try await studio.release("forever")
        }
    }

    // MARK: Several instances

    /// With polling slowed to ten minutes, only PostgreSQL's notifications can make these
    /// happen within the suite's time limit: a job queued by another instance (here: inserted
    /// by SQL) starts at once, and the end of a job another instance runs reaches a waiter here.
    @Test(.timeLimit(.minutes(1))) func notificationsWakeWorkersAndWaitersAcrossInstances() async throws {
        try await withStudioEnvironment(configure: { $0.pollInterval = .seconds(600) }) { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            // The dispatcher has claimed once and gone idle after this.
            let first = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: key,
                json: #"{"modelId":"\#(studio.models["gemini-2.5-flash-image"]!)","prompt":"first"}"#
            )
            #expect(first.json["status"] == .string("succeeded"))
            let fromElsewhere = try await Self.insertJob(studio, prompt: "queued by another instance", status: "queued", leaseOwner: nil, claims: 0)
            #expect(try await Self.waitFor(studio, fromElsewhere, Self.terminal, seconds: 20).status == "succeeded")

            // A job "another instance" runs, followed here; it ends by SQL, as that instance would end it.
            let elsewhere = try await Self.insertJob(studio, prompt: "run elsewhere", leaseOwner: "other-instance", leaseEndsIn: 600)
            let follower = Task { try await studio.client.call(.get, "/api/v1/generations/\(elsewhere)/events", as: key).text }
            try await Task.sleep(for: .milliseconds(300))  // usually lets the stream read `running` first; either way it must end
            try await studio.db.query(
                """
                UPDATE generations SET status = 'failed', error_code = 'upstream_error', error_message = 'ended elsewhere',
                    lease_owner = NULL, lease_expires_at = NULL, finished_at = now()
                WHERE id = \(elsewhere)
                """,
                logger: TestDatabase.logger
            )
            let events = try await follower.value
            #expect(events.contains("event: failed"), "\(events)")
        }
    }
}
