import EaselCore
import EaselStore
import Foundation
import Gemini

/// The one way a generation is admitted, from the studio, the JSON API and the
/// Gemini-compatible routes alike: rate limit, model and lifecycle, input images, validation
/// against the model's capabilities, quotas and concurrency, then a stored row that always
/// reaches a terminal state. Controllers only translate their wire format into a `Draft` and
/// the answer (or the `AppError`s thrown here) back out.
struct GenerationService: Sendable {
    let generations: GenerationStore
    let models: ModelStore
    let worker: GenerationWorker
    let rateLimiter: RateLimiter

    /// Which model a request asks for.
    enum ModelChoice: Sendable {
        /// A config id (the JSON API).
        case id(UUID)
        /// A config already chosen by the caller's wire format (a Gemini model name).
        case config(ModelRecord)
    }

    /// A request as its controller read it.
    struct Draft: Sendable {
        var model: ModelChoice
        var options: GenerationOptions
        /// Images sent with the request, each with the field that names it in errors.
        var images: [(image: InputImage, field: String)] = []
        /// Earlier images of the tenant used as inputs again, before the sent ones.
        var reusedImageIDs: [UUID] = []
        var conversationID: UUID?
        var parentID: UUID?
        var fromStart = false
        /// False for calls whose clients keep their own history (the Gemini-compatible routes).
        var inConversation = true
        /// Answered inline to a client waiting on its connection, by this instance only.
        var inline = false
        /// Whether a request needs a prompt or an image (the compatible routes leave it to Google).
        var requirePrompt = true
        /// How many variations: that many generations of the request, run side by side.
        var count = 1
    }

    /// A stored request, and the model it will run on (a retired model's successor, say).
    struct Accepted: Sendable {
        /// The first of `ids`.
        var id: UUID { ids[0] }
        /// Every generation stored, in batch order (one unless variations were asked for).
        var ids: [UUID]
        var tenantID: UUID
        var model: ModelRecord
        var options: GenerationOptions
    }

    /// Admits a request: counted against the caller's rate limits first (so a flood of bad
    /// requests is limited too), then read by `read`, checked, and stored `queued`.
    func submit(by principal: Principal, _ read: () async throws -> Draft) async throws -> Accepted {
        let tenantID = try Policy.tenant(of: principal, for: "Generations")
        if let refusal = try await rateLimiter.check(principal) {
            throw AppError(
                .tooManyRequests,
                code: "rate_limited",
                message: refusal.message,
                headers: [.retryAfter: "\(refusal.retryAfterSeconds)"]
            )
        }
        let draft = try await read()
        let model: ModelRecord
        switch draft.model {
        case .id(let id): model = try await resolveModel(id, tenantID: tenantID)
        case .config(let config): model = try await resolve(config, tenantID: tenantID)
        }
        guard (1...GenerationStore.maxVariations).contains(draft.count), draft.count == 1 || !draft.inline else {
            throw AppError.validation(ValidationError(field: "count", message: "must be a whole number from 1 to \(GenerationStore.maxVariations)"))
        }
        let uploads = try draft.images.map { try $0.image.decoded(field: $0.field) }
        try draft.options.validate(
            against: model.capabilities,
            inputImageCount: uploads.count + draft.reusedImageIDs.count,
            requirePrompt: draft.requirePrompt
        )

        var apiKeyID: UUID? = nil
        if case .apiKey(let id) = principal.credential { apiKeyID = id }
        var new = GenerationStore.NewGeneration(
            tenantID: tenantID,
            userID: principal.userID,
            apiKeyID: apiKeyID,
            modelID: model.id,
            source: apiKeyID == nil ? "studio" : "api",
            options: draft.options,
            uploads: uploads,
            reusedImageIDs: draft.reusedImageIDs,
            conversationID: draft.conversationID,
            parentID: draft.parentID,
            fromStart: draft.fromStart
        )
        new.inConversation = draft.inConversation
        if draft.inline { new.inlineUnder = (worker.owner, worker.lease) }
        new.count = draft.count
        let ids: [UUID]
        do {
            ids = try await generations.enqueueBatch(new)
        } catch let error as GenerationStore.EnqueueError {
            throw Self.appError(error)
        }
        if !draft.inline { worker.notify() }
        return Accepted(ids: ids, tenantID: tenantID, model: model, options: draft.options)
    }

    /// The model a request names, as the caller's tenant may use it today: unknown and disabled
    /// models are refused, a retired one is replaced by its successor or refused.
    func resolveModel(_ id: UUID, tenantID: UUID) async throws -> ModelRecord {
        guard let model = try await models.usable(id, tenantID: tenantID) else {
            throw AppError(
                .notFound,
                code: "unknown_model",
                message: "No model with id \(id.uuidString.lowercased()) is available to you.",
                field: "modelId"
            )
        }
        return try await resolve(model, tenantID: tenantID)
    }

    /// A config the tenant may use, as it may be used today: a disabled one is refused, a retired
    /// one is replaced by its successor or refused.
    func resolve(_ model: ModelRecord, tenantID: UUID) async throws -> ModelRecord {
        guard model.enabled else {
            throw AppError(.conflict, code: "model_disabled", message: "\(model.name) is disabled. Choose another model.", field: "modelId")
        }
        switch ModelLifecycle.decide(
            modelName: model.name,
            deprecationDate: model.deprecationDate,
            successorID: model.successorID,
            successorName: try await model.successorID.asyncMap { try await models.usable($0, tenantID: tenantID)?.name } ?? nil,
            today: ModelLifecycle.today()
        )
        {
        case .use:
            return model
        case .redirect(let successorID, _):
            guard let successor = try await models.usable(successorID, tenantID: tenantID), successor.enabled else {
                throw AppError(
                    .conflict,
                    code: "model_retired",
                    message: "\(model.name) is retired and its successor is not available.",
                    field: "modelId"
                )
            }
            return successor
        case .retired(let message):
            // Retired by its config, but Google serves a successor of the same family in its place.
            if ModelCatalog.callableID(for: model.apiModel, on: ModelLifecycle.today()) != model.apiModel { return model }
            throw AppError(.conflict, code: "model_retired", message: message, field: "modelId")
        }
    }

    static func appError(_ error: GenerationStore.EnqueueError) -> AppError {
        switch error {
        case .conversationNotFound:
            return AppError(.notFound, code: "unknown_conversation", message: "No conversation with that id is yours.", field: "conversationId")
        case .parentNotFound:
            return AppError(.notFound, code: "unknown_generation", message: "No generation of yours has that id.", field: "parentId")
        case .parentNotFinished(let status):
            return AppError(
                .conflict,
                code: "parent_not_succeeded",
                message: "A turn can only continue from a succeeded generation; that one is \(status.rawValue).",
                field: "parentId"
            )
        case .imageNotFound(let index):
            return AppError(.notFound, code: "unknown_image", message: "No image of your tenant has that id.", field: "inputImageIds[\(index)]")
        case .quotaExceeded(let refusal):
            return AppError(
                .tooManyRequests,
                code: QuotaMessage.code(refusal),
                message: QuotaMessage.text(refusal),
                headers: [.retryAfter: "\(QuotaMessage.retryAfterSeconds(refusal))"]
            )
        }
    }

    /// The generation `id` once it has ended, or as it is after `seconds` (or when this instance
    /// begins shutting down). Woken at once by the worker here, or by a database notification
    /// when another instance runs the job; polled as a fallback.
    func record(_ id: UUID, scope: GenerationScope, waitingUpTo seconds: Int) async throws -> GenerationRecord {
        let ticket = worker.signals.register(id)
        defer { worker.signals.unregister(ticket) }
        let deadline = ContinuousClock.now + .seconds(seconds)
        guard var record = try await generations.get(id, scope: scope) else { throw AppError.notFound("No generation with that id.") }
        // A shutdown ends the wait with the state as it is (the generation goes on elsewhere).
        while !record.status.isTerminal, ContinuousClock.now < deadline, !worker.signals.isClosed {
            await ticket.signal.wait(timeout: min(worker.signals.fallbackPoll, deadline - .now))
            guard let next = try await generations.get(id, scope: scope) else { throw AppError.notFound("No generation with that id.") }
            record = next
        }
        return record
    }
}
