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
    let generations: GenerationStore
    let models: ModelStore
    let gemini: GeminiClient
    let platformEndpoint: GeminiEndpoint
    let concurrency: Int
    let lease: Duration
    let callTimeout: Duration
    let logger: Logger
    let owner: String
    /// Wakes the dispatcher when a job is queued in this process or a slot frees up (others
    /// find work by polling).
    let wake = WakeSignal()
    /// Jobs running now in this process, by id, with what stops each (queued jobs and calls
    /// answered inline alike).
    let running = Mutex<[UUID: @Sendable () -> Void]>([:])
    /// How often running jobs are checked for a cancel request.
    let cancelPoll: Duration
    /// Wakes local waiters when a job changes.
    let signals: GenerationSignals

    init(
        generations: GenerationStore, models: ModelStore, gemini: GeminiClient, platformEndpoint: GeminiEndpoint,
        concurrency: Int, lease: Duration = .seconds(60), callTimeout: Duration = .seconds(180), cancelPoll: Duration = .seconds(1),
        signals: GenerationSignals = GenerationSignals(), logger: Logger
    ) {
        self.generations = generations
        self.models = models
        self.gemini = gemini
        self.platformEndpoint = platformEndpoint
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.callTimeout = callTimeout
        self.cancelPoll = cancelPoll
        self.signals = signals
        self.logger = logger
        self.owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    /// Tells an idle slot there is work.
    func notify() { wake.signal() }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.housekeeping() }
                await dispatch()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wake.close()
        }
    }

    /// One loop for all jobs of this process, so the database sees a query a second however
    /// many run: stops jobs whose users canceled them, and renews every lease held here.
    func housekeeping() async {
        var lastRenewal = ContinuousClock.now
        var lastPurge = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: cancelPoll)
            if ContinuousClock.now - lastPurge >= .seconds(600) {
                // Images past their tenant's retention, and images nothing uses.
                lastPurge = .now
                do {
                    while try await generations.purgeImages() > 0, !Task.isCancelled {}
                } catch {
                    logger.warning("purging expired images failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
                }
            }
            let ids = running.withLock { Array($0.keys) }
            if ids.isEmpty { continue }
            do {
                for id in try await generations.cancelRequested(among: ids) {
                    running.withLock { $0[id] }?()
                }
                if ContinuousClock.now - lastRenewal >= lease / 3 {
                    try await generations.renewAll(owner: owner, lease: lease)
                    lastRenewal = .now
                }
            } catch {
                logger.warning("generation housekeeping failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
            }
        }
    }

    /// One loop claims jobs (one database connection, whatever the concurrency) and runs each
    /// in its own task, at most `concurrency` at a time. On shutdown it stops claiming and waits
    /// for the jobs in flight.
    func dispatch() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                if running.withLock({ $0.count }) >= concurrency {
                    await idle()
                    continue
                }
                do {
                    // Bounded, so an unreachable database cannot hold the loop (and shutdown) forever.
                    let generations = self.generations, owner = self.owner, lease = self.lease
                    if let job = try await withAbandoningTimeout(.seconds(10), operation: { try await generations.claim(owner: owner, lease: lease) }) {
                        // Registered before the next claim, so the count above is never behind.
                        let call = Task { try await self.execute(job) }
                        running.withLock { $0[job.id] = { call.cancel() } }
                        signals.signal(job.id)
                        group.addTask {
                            await self.run(job, call: call)
                            self.running.withLock { $0[job.id] = nil }
                            self.wake.signal()
                        }
                        continue
                    }
                } catch {
                    logger.error("claiming a generation failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
                }
                await idle()
            }
        }
    }

    /// Waits for a wake-up (a job queued here, or a slot freed) or half a second.
    func idle() async {
        await wake.wait(timeout: .milliseconds(500))
    }

    /// Runs `body` for a generation stored `running` under this worker's lease by a request that
    /// waits on it: the lease is renewed and a cancel request stops it like any queued job.
    /// `body` runs in its own task; cancelling the caller cancels it too.
    func runInlineResult<T: Sendable>(_ id: UUID, _ body: @escaping @Sendable () async -> T) async -> T {
        let task = Task { await body() }
        running.withLock { $0[id] = { task.cancel() } }
        defer {
            running.withLock { $0[id] = nil }
            wake.signal()
        }
        return await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
    }

    /// Waits for the Gemini call of `job` and stores how it ended.
    func run(_ job: GenerationStore.Job, call: Task<GenerationStore.Finish, any Error>) async {
        var log = logger
        log[metadataKey: "generation"] = "\(job.id)"
        let finish: GenerationStore.Finish
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
            var failed = GenerationStore.Finish(status: .failed)
            failed.errorCode = "internal_error"
            failed.errorMessage = "Easel could not run this generation."
            finish = failed
        }
        do {
            var final = finish
            if try await generations.cancelRequested(among: [job.id]).contains(job.id) {
                // The user gave up on it while it ran: whatever came back is not kept.
                final = GenerationStore.Finish(status: .canceled, attempts: finish.attempts)
                final.upstreamHost = finish.upstreamHost
                final.latencyMs = finish.latencyMs
            }
            if try await !generations.finish(job.id, tenantID: job.tenantID, owner: owner, final) {
                log.warning("generation was taken over by another worker; result dropped")
            }
            signals.signal(job.id)
        } catch {
            log.error("storing a generation's result failed", metadata: ["error": "\(PostgresErrorMessage.describe(error))"])
        }
    }

    func execute(_ job: GenerationStore.Job) async throws -> GenerationStore.Finish {
        // The model as the job's tenant may use it now (visibility can change while a job waits).
        guard let model = try await models.usable(job.modelID, tenantID: job.tenantID), let route = try await models.route(job.modelID) else {
            var missing = GenerationStore.Finish(status: .failed)
            missing.errorCode = "model_missing"
            missing.errorMessage = "The model of this generation no longer exists or is no longer available to this tenant."
            return missing
        }
        let endpoint = UpstreamRoute.endpoint(for: route, platform: platformEndpoint)
        let request = GenerationRequestBuilder.build(model: model, options: job.options, inputs: job.inputs, history: job.history)
        let started = ContinuousClock.now
        var attempts: [GeminiAttempt] = []
        do {
            // Streamed, so the text the model writes before its image shows while it works.
            let stream = try await gemini.streamGenerateContent(
                model: model.apiModel, request: request, endpoint: endpoint, options: .init(timeout: callTimeout))
            attempts = stream.attempts
            var chunks: [GenerateContentResponse] = []
            var text = ""
            // Text still unseen 200 ms after it arrived is written for the console; an answer that
            // completes sooner costs no extra write.
            let pendingText = Mutex<String?>(nil)
            let flusher = Task { [generations, owner, signals] in
                var written = ""
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                    guard !Task.isCancelled, let text = pendingText.withLock({ $0 }), text != written else { continue }
                    try? await generations.updatePartialText(job.id, owner: owner, text: text)
                    signals.signal(job.id)
                    written = text
                }
            }
            defer { flusher.cancel() }
            for try await chunk in stream {
                chunks.append(chunk)
                let added = chunk.text
                if !added.isEmpty {
                    text += added
                    pendingText.withLock { [text] in $0 = text }
                }
            }
            flusher.cancel()
            return GenerationOutcomeMapper.finish(
                .merge(chunks), attempts: attempts, host: endpoint.host, latency: ContinuousClock.now - started, options: job.options,
                apiModel: model.apiModel)
        } catch let error as GeminiError {
            return Self.failure(error.attempts.isEmpty ? attempts : error.attempts, kind: error.kind, message: error.message, host: endpoint.host, started: started)
        }
    }

    static func failure(_ attempts: [GeminiAttempt], kind: GeminiError.Kind, message: String, host: String, started: ContinuousClock.Instant) -> GenerationStore.Finish {
        var failed = GenerationStore.Finish(status: .failed, attempts: attempts.count)
        failed.upstreamHost = host
        failed.latencyMs = (ContinuousClock.now - started).wholeMilliseconds
        switch kind {
        case .deadlineExceeded:
            failed.errorCode = "deadline_exceeded"
        case .api(_, let status, _):
            failed.errorCode = status ?? "upstream_error"
        default:
            failed.errorCode = "upstream_unreachable"
        }
        failed.errorMessage = message
        return failed
    }
}

/// The Gemini request for a generation: the model's system instruction, the prompt and inputs,
/// and the options as Google names them.
enum GenerationRequestBuilder {
    static func build(
        model: ModelRecord, options: GenerationOptions, inputs: [GenerationStore.ImageData], history: [GenerationStore.Turn] = []
    ) -> GenerateContentRequest {
        // Earlier turns exactly as they went: what the user sent, then the model's answer with
        // its text, images and thought signatures in their original order.
        var contents: [Content] = []
        for turn in history {
            contents.append(userContent(prompt: turn.prompt, inputs: turn.inputs))
            let answer = turn.answer.compactMap { part -> Part? in
                if let position = part.image {
                    let image = turn.outputs[position]
                    var imagePart = Part.image(image.data, mimeType: image.mimeType)
                    imagePart.thoughtSignature = part.thoughtSignature
                    return imagePart
                }
                return Part(text: part.text ?? "", thoughtSignature: part.thoughtSignature)
            }
            if !answer.isEmpty { contents.append(.model(answer)) }
        }
        contents.append(userContent(prompt: options.prompt, inputs: inputs))
        let capabilities = model.capabilities
        let imageConfig = ImageConfig(
            aspectRatio: options.aspectRatio ?? capabilities.defaultAspectRatio,
            imageSize: options.imageSize ?? capabilities.defaultImageSize)
        var request = GenerateContentRequest(
            contents: contents,
            generationConfig: GenerationConfig(
                responseModalities: (options.responseModalities ?? ["TEXT", "IMAGE"]).map { Modality(rawValue: $0) },
                imageConfig: imageConfig.aspectRatio == nil && imageConfig.imageSize == nil ? nil : imageConfig,
                thinkingConfig: options.thinkingLevel.map { ThinkingConfig(thinkingLevel: $0) }))
        if !model.systemInstruction.isEmpty {
            request.systemInstruction = Content(parts: [.text(model.systemInstruction)])
        }
        if options.grounding {
            request.tools = [Tool(googleSearch: GoogleSearch())]
        }
        return request
    }

    static func userContent(prompt: String, inputs: [GenerationStore.ImageData]) -> Content {
        var parts: [Part] = []
        if !prompt.isEmpty { parts.append(.text(prompt)) }
        parts += inputs.map { Part.image($0.data, mimeType: $0.mimeType) }
        return Content(role: "user", parts: parts)
    }
}

/// Turns Gemini's answer into the stored terminal state.
enum GenerationOutcomeMapper {
    static func finish(
        _ response: GenerateContentResponse, attempts: [GeminiAttempt], host: String, latency: Duration, options: GenerationOptions,
        apiModel: String
    ) -> GenerationStore.Finish {
        var finish = GenerationStore.Finish(status: .succeeded, attempts: attempts.count)
        finish.upstreamHost = host
        finish.latencyMs = latency.wholeMilliseconds
        finish.modelVersion = response.modelVersion
        finish.responseID = response.responseId
        let text = response.text
        finish.responseText = text.isEmpty ? nil : text
        finish.finishReason = response.candidates.first?.finishReason?.rawValue
        if let usage = response.usageMetadata {
            finish.promptTokens = usage.promptTokenCount
            finish.outputTokens = usage.candidatesTokenCount
            finish.thoughtTokens = usage.thoughtsTokenCount
            finish.totalTokens = usage.totalTokenCount
            finish.imageTokens = usage.candidatesTokensDetails?.filter { $0.modality?.rawValue.uppercased() == "IMAGE" }
                .reduce(0) { $0 + ($1.tokenCount ?? 0) }
            finish.promptImageTokens = usage.promptTokensDetails?.filter { $0.modality?.rawValue.uppercased() == "IMAGE" }
                .reduce(0) { $0 + ($1.tokenCount ?? 0) }
            finish.usageJSON = (try? JSONEncoder().encode(usage)).map { String(decoding: $0, as: UTF8.self) }
        }
        if let grounding = response.candidates.first?.groundingMetadata {
            finish.groundingJSON = (try? JSONEncoder().encode(grounding)).map { String(decoding: $0, as: UTF8.self) }
        }
        switch response.outcome {
        case .images:
            finish.outputs = response.finalImages.map {
                GenerationStore.ImageData(data: $0.data, mimeType: $0.mimeType, width: $0.width, height: $0.height, thoughtSignature: $0.thoughtSignature)
            }
            finish.answer = answerParts(response)
            if let first = response.finalImages.first, let width = first.width, let height = first.height {
                finish.honoredImageConfig = honored(width: width, height: height, options: options, apiModel: apiModel)
            }
        case .promptBlocked(let reason, let message):
            finish.status = .blocked
            finish.blockReason = reason.rawValue
            finish.errorMessage = message ?? "Google declined the prompt (\(reason))."
        case .candidateBlocked(let reason, let message):
            finish.status = .blocked
            finish.blockReason = reason.rawValue
            finish.errorMessage = message ?? "Google withheld the image (\(reason))."
        case .noImage(let reason):
            // An answer without an image is a success when only text was asked for.
            if options.responseModalities == ["TEXT"] {
                finish.answer = answerParts(response)
                break
            }
            finish.status = .failed
            finish.errorCode = "no_image"
            finish.errorMessage = "The model answered without an image\(reason.map { " (finish reason \($0))" } ?? "")."
        }
        return finish
    }

    /// Whether the image has what was asked: the aspect ratio (within rounding), and for a
    /// requested size of a known model family, Google's pixel dimensions for it (within 2%).
    /// Nil when nothing was asked. Relays are known to drop `imageConfig` silently.
    static func honored(width: Int, height: Int, options: GenerationOptions, apiModel: String) -> Bool? {
        var honored: Bool? = nil
        if let ratio = options.aspectRatio {
            honored = AspectRatioCheck.matches(width: width, height: height, ratio: ratio)
        }
        if let size = options.imageSize, let family = ImageModelFamily.family(ofModel: apiModel),
            let expected = family.dimensions(aspectRatio: options.aspectRatio, imageSize: size)
        {
            let close = abs(width - expected.width) <= expected.width / 50 && abs(height - expected.height) <= expected.height / 50
            honored = (honored ?? true) && close
        }
        return honored
    }

    /// The answer as later turns replay it: its non-thought parts in order, images by position.
    static func answerParts(_ response: GenerateContentResponse) -> [GenerationStore.AnswerPart] {
        var parts: [GenerationStore.AnswerPart] = []
        var imagePosition = 0
        for part in response.candidates.first?.content?.parts ?? [] where !part.isThought {
            if let inline = part.inlineData, inline.mimeType.hasPrefix("image/") {
                parts.append(.init(image: imagePosition, thoughtSignature: part.thoughtSignature))
                imagePosition += 1
            } else if part.text != nil || part.thoughtSignature != nil {
                parts.append(.init(text: part.text ?? "", thoughtSignature: part.thoughtSignature))
            }
        }
        return parts
    }
}
