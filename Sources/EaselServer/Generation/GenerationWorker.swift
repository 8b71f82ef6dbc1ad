import EaselCore
import EaselStore
import Foundation
import Gemini
import Logging
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

    private struct State {
        var stops: [UUID: @Sendable () -> Void] = [:]
        var slotsInUse = 0
        var slotWaiters: [UUID: WakeSignal] = [:]
    }

    init(
        images: ImageStore,
        queue: GenerationQueue,
        models: ModelStore,
        upstream: UpstreamCaller,
        concurrency: Int,
        lease: Duration = .seconds(60),
        cancelPoll: Duration = .seconds(1),
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
        self.signals = signals
        self.logger = logger
        self.owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    /// Tells an idle slot there is work.
    func notify() { wake.signal() }

    /// The generations this process holds a lease on now.
    var heldIDs: [UUID] { state.withLock { Array($0.stops.keys) } }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.housekeeping() }
                // Apart from housekeeping, so a long purge never delays the renewal of leases.
                group.addTask { await self.purgeLoop() }
                await dispatch()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wake.close()
        }
    }

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
                if !ids.isEmpty {
                    for id in try await queue.cancelRequested(among: ids) {
                        state.withLock { $0.stops[id] }?()
                    }
                }
                for id in try await queue.endOrphans() { signals.signal(id) }
                if ContinuousClock.now - lastRenewal >= lease / 3 {
                    if !ids.isEmpty { try await queue.renew(ids, owner: owner, lease: lease) }
                    lastRenewal = .now
                }
            } catch {
                logger.warning("generation housekeeping failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
            }
        }
    }

    /// Every ten minutes, images past their tenant's retention and images nothing uses.
    func purgeLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(600))
            do {
                while try await images.purgeImages() > 0, !Task.isCancelled {}
            } catch {
                logger.warning("purging expired images failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
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
    /// each other in a loop. They poll every 500 ms in any case.
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
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                guard takeSlot() else {
                    await idle()
                    continue
                }
                do {
                    // Bounded, so an unreachable database cannot hold the loop (and shutdown) forever.
                    let queue = self.queue
                    let owner = self.owner
                    let lease = self.lease
                    if let job = try await withAbandoningTimeout(.seconds(10), operation: { try await queue.claim(owner: owner, lease: lease) }) {
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

    /// Waits for a wake-up (a job queued here, or a slot freed) or half a second.
    func idle() async {
        await wake.wait(timeout: .milliseconds(500))
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
                await endWaiting(id, tenantID: tenantID)
                throw CancellationError()
            }
            if !holdsSlot { holdsSlot = takeSlot() }
            if holdsSlot {
                let start: GenerationQueue.InlineStart
                do {
                    start = try await queue.startInline(id, tenantID: tenantID, owner: owner, lease: lease)
                } catch {
                    await endWaiting(id, tenantID: tenantID)
                    throw error
                }
                switch start {
                case .started:
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
            // Woken when a slot frees here; polled for slots that free on other instances.
            await turn.wait(timeout: .milliseconds(500))
        }
    }

    /// Ends an inline call that never started (`canceled`), from a task of its own.
    func endWaiting(_ id: UUID, tenantID: UUID) async {
        let queue = self.queue
        let owner = self.owner
        let logger = self.logger
        await Task {
            do {
                try await queue.cancelWaiting(id, tenantID: tenantID, owner: owner)
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
        } catch {
            if !(error is CancellationError) {
                log.error("generation failed inside Easel", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
            }
            var failed = GenerationQueue.Finish(status: .failed)
            failed.errorCode = "internal_error"
            failed.errorMessage = "Easel could not run this generation."
            finish = failed
        }
        do {
            var final = finish
            if try await queue.cancelRequested(among: [job.id]).contains(job.id) {
                // The user gave up on it while it ran: whatever came back is not kept.
                final = GenerationQueue.Finish(status: .canceled, attempts: finish.attempts)
                final.upstreamHost = finish.upstreamHost
                final.latencyMs = finish.latencyMs
            }
            if try await !queue.finish(job.id, tenantID: job.tenantID, owner: owner, final) {
                log.warning("generation was taken over by another worker; result dropped")
            }
            signals.signal(job.id)
        } catch {
            log.error("storing a generation's result failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
        }
    }

    func execute(_ job: GenerationQueue.Job) async throws -> GenerationQueue.Finish {
        // The model as the job's tenant may use it now (visibility can change while a job waits).
        guard let model = try await models.usable(job.modelID, tenantID: job.tenantID), let route = try await models.route(job.modelID) else {
            var missing = GenerationQueue.Finish(status: .failed)
            missing.errorCode = "model_missing"
            missing.errorMessage = "The model of this generation no longer exists or is no longer available to this tenant."
            return missing
        }
        let request = GenerationRequestBuilder.build(model: model, options: job.options, inputs: job.inputs, history: job.history)
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
