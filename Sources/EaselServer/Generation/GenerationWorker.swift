import EaselCore
import EaselStore
import Foundation
import Gemini
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Runs queued generations: claims jobs from PostgreSQL, calls Gemini through the shared
/// client, and stores every outcome. Several instances may run against one database; a job
/// whose worker died is claimed again when its lease runs out.
final class GenerationWorker: Service, Sendable {
    let images: ImageStore
    let queue: GenerationQueue
    let models: ModelStore
    let upstream: UpstreamCaller
    let concurrency: Int
    let lease: Duration
    let logger: Logger
    let owner: String
    /// Wakes the dispatcher when a job is queued in this process or a slot frees up (others
    /// find work by polling).
    let wake = WakeSignal()
    /// What this process runs or holds now: the jobs it runs (queued jobs and calls answered
    /// inline alike) with what stops each, the slots they use, and the inline calls waiting for
    /// a slot. Only these leases are renewed.
    private let state = Mutex(State())
    /// How often running jobs are checked for a cancel request.
    let cancelPoll: Duration
    /// Wakes local waiters when a job changes.
    let signals: GenerationSignals

    /// How long the dispatcher and inline calls waiting for a slot sleep when nothing wakes
    /// them: database notifications (``GenerationEvents``) wake them when another instance
    /// queues a job or frees a tenant's slot, so this is only the fallback.
    let pollInterval: Duration
    /// How often expired and unused images are purged.
    let purgeInterval: Duration

    private struct State {
        var stops: [UUID: @Sendable () -> Void] = [:]
        var slotsInUse = 0
        var slotWaiters: [UUID: WakeSignal] = [:]
        /// A graceful shutdown began: nothing new is claimed or started.
        var draining = false
        /// Jobs stopped because a graceful shutdown ran out of time: their leases are handed back.
        var handingBack: Set<UUID> = []
        /// The worker has stopped for good: ends are no longer retried.
        var stopped = false
    }

    init(
        images: ImageStore,
        queue: GenerationQueue,
        models: ModelStore,
        upstream: UpstreamCaller,
        concurrency: Int,
        lease: Duration = .seconds(60),
        cancelPoll: Duration = .seconds(1),
        pollInterval: Duration = .seconds(2),
        purgeInterval: Duration = .seconds(600),
        signals: GenerationSignals = GenerationSignals(),
        logger: Logger
    ) {
        self.images = images
        self.queue = queue
        self.models = models
        self.upstream = upstream
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.cancelPoll = cancelPoll
        self.pollInterval = pollInterval
        self.purgeInterval = purgeInterval
        self.signals = signals
        self.logger = logger
        self.owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    /// Tells an idle slot there is work, and the inline calls waiting for a slot to look again
    /// (a tenant's slot may have freed on another instance).
    func notify() {
        wake.signal()
        for waiter in state.withLock({ Array($0.slotWaiters.values) }) { waiter.signal() }
    }

    /// Whether a graceful shutdown has begun.
    var isDraining: Bool { state.withLock { $0.draining } }

    /// The generations this process holds a lease on now.
    var heldIDs: [UUID] { state.withLock { Array($0.stops.keys) } }

    func run() async throws {
        defer { state.withLock { $0.stopped = true } }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.housekeeping() }
                // Apart from housekeeping, so a long purge never delays the renewal of leases.
                group.addTask { await self.purgeLoop() }
                await dispatch()
                // A drain (``ShutdownDrain``) stops the dispatcher before the service group
                // tells this service to stop; returning now would end the whole group, the
                // database pool with it, while the calls in flight still need it.
                if !Task.isShuttingDownGracefully { try? await gracefulShutdown() }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.beginDraining()
        }
    }

    /// Graceful shutdown, first step: stop claiming and starting, and tell whoever follows a
    /// generation here (`?wait=`, event streams) so they answer now.
    func beginDraining() {
        let waiters = state.withLock { state in
            state.draining = true
            return Array(state.slotWaiters.values)
        }
        wake.close()
        for waiter in waiters { waiter.signal() }
        signals.close()
    }

    /// A graceful shutdown: stops claiming, lets the jobs and inline calls in flight finish
    /// until `deadline`, then stops those still running. Their queued jobs' leases are handed
    /// back (`queued` again, for another instance to take at once); their inline calls end
    /// `failed` (`shutting_down`) and their callers are told to retry. Returns when nothing
    /// runs here any more.
    func drain(until deadline: ContinuousClock.Instant) async {
        beginDraining()
        let start = ContinuousClock.now
        let running = heldIDs.count
        logger.info("draining: stopped claiming", metadata: ["running": "\(running)"])
        while !heldIDs.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let stopping = state.withLock { state -> [@Sendable () -> Void] in
            state.handingBack = Set(state.stops.keys)
            return Array(state.stops.values)
        }
        if !stopping.isEmpty {
            logger.warning("draining: time is up; stopping the calls still running", metadata: ["calls": "\(stopping.count)"])
            for stop in stopping { stop() }
            // Each ends quickly once stopped (its end is stored or its lease handed back),
            // unless the database is down or hangs. Those are left after 2 s: their leases run
            // out, and another instance ends them (sent: `instance_lost`) or runs them (not sent).
            let stopDeadline = ContinuousClock.now + .seconds(2)
            while !heldIDs.isEmpty, !state.withLock({ $0.stopped }), ContinuousClock.now < stopDeadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            if !heldIDs.isEmpty {
                logger.warning(
                    "draining: calls still ending 2 s after they were stopped; their leases will run out",
                    metadata: ["generations": "\(heldIDs)"]
                )
            }
        }
        logger.info(
            "drained",
            metadata: ["finished": "\(running - stopping.count)", "handed_back": "\(stopping.count)", "seconds": "\(ContinuousClock.now - start)"]
        )
    }

    /// Whether `id` was stopped by a graceful shutdown that ran out of time.
    func isHandingBack(_ id: UUID) -> Bool { state.withLock { $0.handingBack.contains(id) } }

    /// One loop for all jobs of this process, so the database sees the same few queries a
    /// second however many run: stops jobs whose users canceled them, ends what dead instances
    /// left that must not run again (one indexed UPDATE that usually touches nothing), and every
    /// third of a lease renews the leases of the jobs held here.
    func housekeeping() async {
        var lastRenewal = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: cancelPoll)
            do {
                let ids = heldIDs
                let (queue, owner, lease) = (self.queue, self.owner, self.lease)
                let renew = ContinuousClock.now - lastRenewal >= lease / 3
                // Bounded, so a query the pool never answers cannot stop the renewals for good.
                let (canceled, orphans) = try await withAbandoningTimeout(.seconds(10)) {
                    let canceled = ids.isEmpty ? [] : try await queue.cancelRequested(among: ids)
                    let orphans = try await queue.endOrphans()
                    if renew, !ids.isEmpty { try await queue.renew(ids, owner: owner, lease: lease) }
                    return (canceled, orphans)
                }
                for id in canceled { state.withLock { $0.stops[id] }?() }
                for id in orphans { signals.signal(id) }
                if renew { lastRenewal = .now }
            } catch {
                // A cancelled task (the worker stopping) fails its queries; that is no news.
                if !Task.isCancelled {
                    logger.warning("generation housekeeping failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
                }
            }
        }
    }

    /// Every `purgeInterval`, images past their tenant's retention and images nothing uses.
    func purgeLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: purgeInterval)
            do {
                while try await images.purgeImages() > 0, !Task.isCancelled {}
            } catch {
                // A cancelled task (the worker stopping) fails its queries; that is no news.
                if !Task.isCancelled {
                    logger.warning("purging expired images failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
                }
            }
        }
    }

    /// Takes a slot if one is free.
    private func takeSlot() -> Bool {
        state.withLock { state in
            guard state.slotsInUse < concurrency else { return false }
            state.slotsInUse += 1
            return true
        }
    }

    /// Gives a slot back. `freed`: work ended in it, so the dispatcher and the inline calls
    /// waiting for a slot are woken; a slot taken only to look (a claim that found nothing, an
    /// inline call whose tenant is at its limit) goes back quietly, or the lookers would wake
    /// each other in a loop. They poll in any case.
    private func releaseSlot(freed: Bool) {
        let waiters = state.withLock { state in
            state.slotsInUse -= 1
            return freed ? Array(state.slotWaiters.values) : []
        }
        guard freed else { return }
        wake.signal()
        for waiter in waiters { waiter.signal() }
    }

    /// One loop claims jobs (one database connection, whatever the concurrency) and runs each
    /// in its own task, at most `concurrency` at a time together with the inline calls. On
    /// shutdown it stops claiming and waits for the jobs in flight.
    func dispatch() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled, !Task.isShuttingDownGracefully, !isDraining {
                guard takeSlot() else {
                    await idle()
                    continue
                }
                do {
                    if let job = try await claimUnlessDraining() {
                        // Registered before the next claim, so the slot count is never behind.
                        let call = Task { try await self.execute(job) }
                        state.withLock { $0.stops[job.id] = { call.cancel() } }
                        signals.signal(job.id)
                        group.addTask {
                            await self.run(job, call: call)
                            self.state.withLock { _ = $0.stops.removeValue(forKey: job.id) }
                            self.releaseSlot(freed: true)
                        }
                        continue
                    }
                } catch {
                    logger.error("claiming a generation failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
                }
                releaseSlot(freed: false)
                await idle()
            }
        }
    }

    /// The next job, claimed under this process's lease; nil when there is none or a drain
    /// began first. Bounded to 10 s, so a database that does not answer (a pool reconnecting
    /// after a restart) cannot hold the dispatcher, and a drain does not wait for it at all: a
    /// claim still running then is left to finish on its own and its job handed back.
    func claimUnlessDraining() async throws -> GenerationQueue.Job? {
        let (queue, owner, lease) = (self.queue, self.owner, self.lease)
        let claim = Task { try await withAbandoningTimeout(.seconds(10)) { try await queue.claim(owner: owner, lease: lease) } }
        let outcome = await withTaskGroup(of: Result<GenerationQueue.Job?, any Error>?.self) { group in
            group.addTask {
                do { return .success(try await claim.value) } catch { return .failure(error) }
            }
            group.addTask {
                while !Task.isCancelled, !self.isDraining { try? await Task.sleep(for: .milliseconds(100)) }
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        guard let outcome else {
            // A drain began: whatever the claim finds goes back at once.
            Task {
                if let job = try? await claim.value { await self.handBack(job.id, log: self.logger) }
            }
            return nil
        }
        return try outcome.get()
    }

    /// Waits for a wake-up (a job queued, here or on another instance; a slot freed) or the
    /// poll interval.
    func idle() async {
        await wake.wait(timeout: pollInterval)
    }

    /// Runs `body` for a generation stored `queued` by a request that waits on it (an inline
    /// call), once it may run: when this instance has a free slot (the same `EASEL_WORKERS`
    /// bound as queued jobs) and the tenant is under its `maxConcurrentGenerations`. While it
    /// waits and while it runs, its lease is renewed and a cancel request stops it like any
    /// queued job. `body` runs in its own task; cancelling the caller cancels it too, and a
    /// caller cancelled while waiting leaves the row `canceled`.
    func runInline<T: Sendable>(
        _ id: UUID,
        tenantID: UUID,
        _ body: @escaping @Sendable () async -> T
    ) async throws -> T {
        let turn = WakeSignal()
        state.withLock { state in
            state.slotWaiters[id] = turn
            // A user's cancel ends a queued row at once; this wakes the waiter to see it.
            state.stops[id] = { turn.signal() }
        }
        var holdsSlot = false
        defer {
            state.withLock { state in
                state.slotWaiters[id] = nil
                state.stops[id] = nil
            }
            if holdsSlot { releaseSlot(freed: true) }
        }
        while true {
            if Task.isCancelled {
                // The caller went away while it waited: nothing was sent upstream. Stored from a
                // task of its own, since this one is cancelled (its queries would be refused).
                await endWaiting(id, tenantID: tenantID, as: .canceled)
                throw CancellationError()
            }
            if isDraining {
                await endWaiting(id, tenantID: tenantID, as: .shuttingDown)
                throw WorkerShuttingDown()
            }
            if !holdsSlot { holdsSlot = takeSlot() }
            if holdsSlot {
                let start: GenerationQueue.InlineStart
                do {
                    let (queue, owner, lease) = (self.queue, self.owner, self.lease)
                    start = try await withAbandoningTimeout(.seconds(10)) {
                        try await queue.startInline(id, tenantID: tenantID, owner: owner, lease: lease)
                    }
                } catch {
                    await endWaiting(id, tenantID: tenantID, as: .couldNotStart)
                    throw error
                }
                switch start {
                case .started:
                    if isDraining {
                        // Started just as a shutdown began (after the drain looked at what runs
                        // here): it does not go upstream; the caller is told to retry.
                        var failed = GenerationQueue.Finish(status: .failed)
                        (failed.errorCode, failed.errorMessage) = WorkerShuttingDown.stored
                        _ = await storeEnd(id, tenantID: tenantID, failed)
                        throw WorkerShuttingDown()
                    }
                    signals.signal(id)
                    let task = Task { await body() }
                    state.withLock { state in
                        state.slotWaiters[id] = nil
                        state.stops[id] = { task.cancel() }
                    }
                    let result = await withTaskCancellationHandler {
                        await task.value
                    } onCancel: {
                        task.cancel()
                    }
                    return result
                case .notQueued:
                    // Canceled by its user (or ended by another instance) while it waited.
                    signals.signal(id)
                    throw CancellationError()
                case .tenantAtLimit:
                    // Another call of the tenant must end first; let queued jobs use the slot meanwhile.
                    releaseSlot(freed: false)
                    holdsSlot = false
                }
            }
            // Woken when a slot frees, here or (by a database notification) on another instance.
            await turn.wait(timeout: pollInterval)
        }
    }

    /// Why an inline call ended before it started.
    enum WaitEnd: Sendable {
        /// Its caller left, or a user canceled it: `canceled`.
        case canceled
        /// This instance is shutting down: `failed`, `shutting_down`.
        case shuttingDown
        /// Easel could not start it (the database failed): `failed`, `not_started`.
        case couldNotStart

        var failure: (code: String, message: String)? {
            switch self {
            case .canceled: return nil
            case .shuttingDown: return WorkerShuttingDown.stored
            case .couldNotStart: return ("not_started", "Easel could not start this call (its database did not answer); retry the call.")
            }
        }
    }

    /// Ends an inline call that never started, from a task of its own; nothing was sent upstream.
    func endWaiting(_ id: UUID, tenantID: UUID, as end: WaitEnd) async {
        let queue = self.queue
        let owner = self.owner
        let logger = self.logger
        await Task {
            do {
                try await withAbandoningTimeout(.seconds(5)) {
                    if let (code, message) = end.failure {
                        try await queue.failWaiting(id, tenantID: tenantID, owner: owner, code: code, message: message)
                    } else {
                        try await queue.cancelWaiting(id, tenantID: tenantID, owner: owner)
                    }
                }
            } catch {
                logger.warning("ending a waiting call failed", metadata: ["generation": "\(id)", "error": "\(PostgresErrorMessage.describe(error))"])
            }
        }.value
        signals.signal(id)
    }

    /// Waits for the Gemini call of `job` and stores how it ended.
    func run(_ job: GenerationQueue.Job, call: Task<GenerationQueue.Finish, any Error>) async {
        var log = logger
        log[metadataKey: "generation"] = "\(job.id)"
        let finish: GenerationQueue.Finish
        do {
            // The call runs in its own task (so housekeeping can cancel it by id); a cancelled
            // worker cancels it too.
            finish = try await withTaskCancellationHandler {
                try await call.value
            } onCancel: {
                call.cancel()
            }
        } catch is NotSent {
            // Nothing went upstream (the database failed, or the job is no longer this
            // instance's): give it back for the next claim.
            await handBack(job.id, log: log)
            return
        } catch {
            if !(error is CancellationError) {
                log.error("generation failed inside Easel", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
            }
            finish = .internalError(attempts: 0)
        }
        if finish.status == .canceled, isHandingBack(job.id) {
            // Stopped by a shutdown that ran out of time: another instance runs it from the start.
            await handBack(job.id, log: log)
            return
        }
        if await !storeEnd(job.id, tenantID: job.tenantID, finish) {
            log.warning("generation was taken over by another worker, or the worker stopped; result dropped")
        }
    }

    /// Gives a job with no answer back to the queue (bounded: a database that does not answer
    /// leaves it to its lease, which runs out, and it is claimed again).
    func handBack(_ id: UUID, log: Logger) async {
        let (queue, owner) = (self.queue, self.owner)
        do {
            _ = try await withAbandoningTimeout(.seconds(5)) { try await queue.handBack([id], owner: owner) }
            signals.signal(id)
        } catch {
            log.warning(
                "handing back a generation failed; it is claimed again when its lease runs out",
                metadata: ["error": "\(PostgresErrorMessage.describe(error))"]
            )
        }
    }

    /// Stores how a job this process holds ended, from a task of its own (so a caller being
    /// cancelled still records it). A user's cancel that came while it ran wins over the answer.
    /// A database that fails (a restart, a dropped connection) is retried with backoff, the
    /// job's lease renewed meanwhile, until the end is stored; a statement the server keeps
    /// refusing is replaced by a plain `internal_error` end. Returns false when the row was
    /// no longer this process's to end (another instance took it over, or a user's cancel of a
    /// waiting call ended it), or when the worker stopped before it could be stored.
    func storeEnd(_ id: UUID, tenantID: UUID, _ finish: GenerationQueue.Finish) async -> Bool {
        let (queue, owner, logger, signals) = (self.queue, self.owner, self.logger, self.signals)
        return await Task {
            var finish = finish
            var delay = Duration.milliseconds(100)
            var refusals = 0
            for attempt in 1... {
                do {
                    // Abandoned, not awaited, past 10 s: a query the pool cannot serve (some are
                    // never answered when issued as PostgreSQL shuts down) must not pin the job;
                    // if it commits later, the retry finds the row ended and stores nothing twice.
                    let attemptFinish = finish
                    let (stored, ended) = try await withAbandoningTimeout(.seconds(10)) {
                        var ended = attemptFinish
                        if ended.status != .canceled, try await queue.cancelRequested(among: [id]).contains(id) {
                            ended = ended.canceledByUser()
                        }
                        return (try await queue.finish(id, tenantID: tenantID, owner: owner, ended), ended)
                    }
                    finish = ended
                    signals.signal(id)
                    if attempt > 1 {
                        logger.info("a generation's end was stored after retries", metadata: ["generation": "\(id)", "attempts": "\(attempt)"])
                    }
                    return stored
                } catch {
                    logger.warning(
                        "storing a generation's end failed; retrying",
                        metadata: ["generation": "\(id)", "attempt": "\(attempt)", "error": "\(PostgresErrorMessage.describe(error))"]
                    )
                    if let error = error as? PSQLError, error.code == .server {
                        refusals += 1
                        if refusals == 3 { finish = .internalError(attempts: finish.attempts) }
                        if refusals == 6 { return false }
                    }
                }
                if state.withLock({ $0.stopped }) { return false }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
            return false
        }.value
    }

    func execute(_ job: GenerationQueue.Job) async throws -> GenerationQueue.Finish {
        // The model as the job's tenant may use it now (visibility can change while a job waits).
        // A database that fails here fails before anything was sent: the job goes back.
        // Bounded: a query the pool cannot serve must not pin the job (it is handed back).
        let found: (ModelRecord?, ModelStore.Route?)
        do {
            let (models, modelID, tenantID) = (self.models, job.modelID, job.tenantID)
            found = try await withAbandoningTimeout(.seconds(10)) {
                (try await models.usable(modelID, tenantID: tenantID), try await models.route(modelID))
            }
        } catch {
            logger.warning(
                "loading a generation's model failed; handing it back",
                metadata: ["generation": "\(job.id)", "error": "\(PostgresErrorMessage.describe(error))"]
            )
            throw NotSent()
        }
        guard let model = found.0, let route = found.1 else {
            var missing = GenerationQueue.Finish(status: .failed)
            missing.errorCode = "model_missing"
            missing.errorMessage = "The model of this generation no longer exists or is no longer available to this tenant."
            return missing
        }
        let request = GenerationRequestBuilder.build(model: model, options: job.options, inputs: job.inputs, history: job.history)
        // From here on the job is never sent again by another instance, should this one die.
        let (queue, owner, id) = (self.queue, self.owner, job.id)
        guard (try? await withAbandoningTimeout(.seconds(10), operation: { try await queue.markSent(id, owner: owner) })) == true else {
            throw NotSent()
        }
        let started = ContinuousClock.now
        // Text still unseen 200 ms after it arrived is written for the console; an answer that
        // completes sooner costs no extra write.
        let pendingText = Mutex<String?>(nil)
        let flusher = Task { [queue, owner, signals] in
            var written = ""
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                guard !Task.isCancelled, let text = pendingText.withLock({ $0 }), text != written else { continue }
                try? await queue.updatePartialText(job.id, owner: owner, text: text)
                signals.signal(job.id)
                written = text
            }
        }
        defer { flusher.cancel() }
        // Streamed, so the text the model writes before its image shows while it works.
        let (outcome, host) = await upstream.call(model, route: route, request: request, streamed: true) { chunk in
            let added = chunk.text
            if !added.isEmpty { pendingText.withLock { $0 = ($0 ?? "") + added } }
        }
        flusher.cancel()
        return GenerationOutcomeMapper.finish(outcome, host: host, started: started, options: job.options, apiModel: model.apiModel)
    }
}

/// A job whose call was not sent upstream: it can be handed back and run from the start.
struct NotSent: Error {}

/// An inline call refused because its instance is shutting down; the caller should retry
/// (another instance, or this one once restarted, takes it).
struct WorkerShuttingDown: Error {
    static let stored = ("shutting_down", "The Easel instance answering this call was shutting down; retry the call.")
}

extension GenerationQueue.Finish {
    /// Easel itself failed to run or store the generation.
    static func internalError(attempts: Int) -> Self {
        var failed = Self(status: .failed, attempts: attempts)
        failed.errorCode = "internal_error"
        failed.errorMessage = "Easel could not run this generation."
        return failed
    }

    /// The end stored when a user canceled the generation while it ran: what came back is not
    /// kept, but the attempts, route and time are.
    func canceledByUser() -> Self {
        var canceled = Self(status: .canceled, attempts: attempts)
        canceled.upstreamHost = upstreamHost
        canceled.latencyMs = latencyMs
        return canceled
    }
}
