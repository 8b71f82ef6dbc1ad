import EaselCore
import EaselStore
import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import ImageKit
import NIOCore

/// Generations through the JSON API: accept (stored `queued` before anything else happens),
/// follow, list, cancel.
struct GenerationController {
    let service: GenerationService
    let generations: GenerationStore
    let signals: GenerationSignals

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .post(use: create)
            .get(use: list)
            .get(":id", use: get)
            .post(":id/cancel", use: cancel)
            .get(":id/events", use: events)
            .get(":id/search-entry-point", use: searchEntryPoint)
    }

    /// What a create request answers: the generation, or with `count` above 1 its variations.
    enum Created: ResponseEncodable {
        case one(GenerationView)
        case batch(BatchView)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .one(let view): try view.encode(to: encoder)
            case .batch(let view): try view.encode(to: encoder)
            }
        }
    }

    /// The variations of one request, in batch order.
    struct BatchView: Encodable, Sendable {
        var batchId: UUID
        var items: [GenerationView]
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<Created> {
        let principal = try context.requirePrincipal()
        let wait = try Self.waitSeconds(request)
        let accepted = try await service.submit(by: principal) {
            let body = try await Self.readCreateBody(request, context: context)
            return GenerationService.Draft(
                model: .id(body.modelId),
                options: GenerationOptions(
                    prompt: (body.prompt ?? "").trimmingWhitespace(),
                    aspectRatio: body.aspectRatio,
                    imageSize: body.imageSize,
                    responseModalities: body.responseModalities?.map { $0.uppercased() },
                    thinkingLevel: body.thinkingLevel?.lowercased(),
                    grounding: body.grounding ?? false,
                    imageSearch: body.imageSearch ?? false,
                    serviceTier: body.serviceTier?.lowercased()
                ),
                images: (body.images ?? []).enumerated().map { ($1, "images[\($0)]") },
                reusedImageIDs: body.inputImageIds ?? [],
                conversationID: body.conversationId,
                parentID: body.parentId,
                fromStart: body.fromStart ?? false,
                count: body.count ?? 1
            )
        }
        let scope = Policy.generationScope(for: principal)
        // One wait for the whole batch: each variation gets what is left of it.
        let deadline = ContinuousClock.now + .seconds(wait)
        var records: [GenerationRecord] = []
        for id in accepted.ids {
            let left = max(0, Int((deadline - .now).components.seconds))
            records.append(try await service.record(id, scope: scope, waitingUpTo: left))
        }
        let allEnded = records.allSatisfy(\.status.isTerminal)
        guard accepted.ids.count > 1, let batchID = records[0].batchID else {
            return EditedResponse(
                status: allEnded ? .ok : .accepted,
                headers: [.location: "/api/v1/generations/\(accepted.id.uuidString.lowercased())"],
                response: .one(GenerationView(records[0], for: principal))
            )
        }
        return EditedResponse(
            status: allEnded ? .ok : .accepted,
            headers: [.location: "/api/v1/generations?batchId=\(batchID.uuidString.lowercased())"],
            response: .batch(BatchView(batchId: batchID, items: records.map { GenerationView($0, for: principal) }))
        )
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> GenerationView {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "generation")
        guard let record = try await generations.get(id, scope: Policy.generationScope(for: principal)) else {
            throw AppError.notFound("No generation with that id.")
        }
        return GenerationView(record, for: principal)
    }

    /// The last event of a stream whose instance is shutting down.
    static let shutdownEvent =
        "event: shutdown\ndata: {\"message\":\"This Easel instance is restarting; reconnect to go on following the generation.\"}\n\n"

    /// Server-sent events: one `event: <status>` with the generation as `data` whenever its status
    /// changes, `event: progress` when the model has streamed more text, ending after the
    /// terminal one. It reads the database, so it follows a job that another instance runs.
    /// When this instance shuts down the stream ends with `event: shutdown` (the generation
    /// goes on, here or elsewhere); a client reconnects to follow it.
    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "generation")
        let scope = Policy.generationScope(for: principal)
        guard try await generations.get(id, scope: scope) != nil else { throw AppError.notFound("No generation with that id.") }
        let generations = self.generations
        let signals = self.signals
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: .init { writer in
                let ticket = signals.register(id)
                defer { signals.unregister(ticket) }
                var last: GenerationStatus?
                var lastText: String?
                var lastWrite = ContinuousClock.now
                let deadline = ContinuousClock.now + .seconds(15 * 60)
                while ContinuousClock.now < deadline {
                    guard let record = try await generations.get(id, scope: scope) else { break }
                    if record.status != last {
                        let json = try JSONEncoder.api.encode(GenerationView(record, for: principal))
                        var buffer = ByteBuffer(string: "event: \(record.status.rawValue)\ndata: ")
                        buffer.writeBytes(json)
                        buffer.writeString("\n\n")
                        try await writer.write(buffer)
                        last = record.status
                        lastWrite = .now
                        if record.status.isTerminal { break }
                    } else if record.status == .running, let text = record.partialText, text != lastText {
                        // Text the model has written so far.
                        let json = try JSONEncoder.api.encode(GenerationView(record, for: principal))
                        var buffer = ByteBuffer(string: "event: progress\ndata: ")
                        buffer.writeBytes(json)
                        buffer.writeString("\n\n")
                        try await writer.write(buffer)
                        lastText = text
                        lastWrite = .now
                    } else if ContinuousClock.now - lastWrite > .seconds(15) {
                        // A comment keeps proxies from closing a quiet stream.
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        lastWrite = .now
                    }
                    await ticket.signal.wait(timeout: signals.fallbackPoll)
                    try Task.checkCancellation()
                    if signals.isClosed {
                        // This instance is shutting down: say so, so the client reconnects (to
                        // another instance) and goes on following the generation there.
                        try await writer.write(ByteBuffer(string: Self.shutdownEvent))
                        break
                    }
                }
                try await writer.finish(nil)
            }
        )
    }

    /// Google's search entry point for a grounded result, which its display rules require to be
    /// shown as sent. It is Google's HTML and CSS, so it is served alone, sandboxed (no script,
    /// no same-origin access), to be framed by the console only.
    @Sendable func searchEntryPoint(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "generation")
        guard let record = try await generations.get(id, scope: Policy.generationScope(for: principal)) else {
            throw AppError.notFound("No generation with that id.")
        }
        guard let html = GenerationView.GroundingView(json: record.groundingJSON)?.searchEntryPointHtml else {
            throw AppError(.notFound, code: "no_search_entry_point", message: "This generation was not grounded with Google Search.")
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox",
                HTTPField.Name("X-Frame-Options")!: "SAMEORIGIN",
                .cacheControl: "private, max-age=3600",
            ],
            body: .init(byteBuffer: ByteBuffer(string: "<!doctype html><meta charset=\"utf-8\"><base target=\"_blank\">" + html))
        )
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> PageView<GenerationView> {
        let principal = try context.requirePrincipal()
        let page = try PageRequest(request)
        let result = try await generations.list(
            scope: Policy.generationScope(for: principal),
            filter: try Self.filter(request),
            limit: page.limit,
            before: page.cursor
        )
        return PageView(items: result.items.map { GenerationView($0, for: principal) }, nextCursor: result.nextCursor)
    }

    /// `?modelId=&status=&userId=&from=&to=&q=`; dates as ISO-8601 (`2026-11-01` or a full time).
    static func filter(_ request: Request) throws -> GenerationFilter {
        var filter = GenerationFilter(
            modelID: try request.uuidQuery("modelId"),
            userID: try request.uuidQuery("userId"),
            from: try request.dateQuery("from"),
            to: try request.dateQuery("to"),
            batchID: try request.uuidQuery("batchId")
        )
        if let status = request.query("status") {
            guard let parsed = GenerationStatus(rawValue: status) else {
                throw AppError.validation(
                    ValidationError(field: "status", message: "must be one of \(GenerationStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                )
            }
            filter.status = parsed
        }
        if let text = request.query("q") {
            guard text.count <= 200 else { throw AppError.validation(ValidationError(field: "q", message: "must be at most 200 characters")) }
            filter.text = text
        }
        if let from = filter.from, let to = filter.to, from >= to {
            throw AppError.validation(ValidationError(field: "to", message: "must be after from"))
        }
        return filter
    }

    @Sendable func cancel(_ request: Request, context: AppRequestContext) async throws -> GenerationView {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "generation")
        switch try await generations.cancel(id, scope: Policy.generationScope(for: principal)) {
        case .notFound: throw AppError.notFound("No generation with that id.")
        case .alreadyFinished:
            throw AppError(.conflict, code: "already_finished", message: "This generation has already finished.")
        case .canceled, .requested:
            return GenerationView(try await generations.get(id, scope: Policy.generationScope(for: principal))!, for: principal)
        }
    }
}
