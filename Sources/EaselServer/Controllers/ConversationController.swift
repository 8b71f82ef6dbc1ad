import EaselCore
import EaselStore
import Foundation
import Hummingbird

/// Conversations: the timeline of a multi-turn edit. Only the user who started one sees it;
/// any other id (another user's, another tenant's) is "not found".
struct ConversationController {
    let conversations: ConversationStore
    let generations: GenerationStore

    var endpoints: RouteCollection<TenantContext> {
        RouteCollection(context: TenantContext.self)
            .get(use: list)
            .post(use: create)
            .get(":id", use: get)
            .patch(":id", use: rename)
            .delete(":id", use: delete)
    }

    struct TitleBody: Decodable {
        var title: String?
    }

    static func title(_ raw: String?, required: Bool) throws -> String? {
        guard let raw else {
            if required { throw AppError.validation(ValidationError(field: "title", message: "is required")) }
            return nil
        }
        let title = raw.trimmingWhitespace()
        guard !title.isEmpty else { throw AppError.validation(ValidationError(field: "title", message: "must not be empty")) }
        guard title.count <= ConversationStore.maxTitleLength else {
            throw AppError.validation(ValidationError(field: "title", message: "must be at most \(ConversationStore.maxTitleLength) characters"))
        }
        return title
    }

    @Sendable func list(_ request: Request, context: TenantContext) async throws -> PageView<ConversationView> {
        let page = try PageRequest(request)
        let result = try await conversations.list(tenantID: context.tenantID, userID: context.caller.userID, limit: page.limit, before: page.cursor)
        return PageView(items: result.items.map { ConversationView(record: $0) }, nextCursor: result.nextCursor)
    }

    @Sendable func create(_ request: Request, context: TenantContext) async throws -> EditedResponse<ConversationView> {
        let body = try await request.decodeJSON(as: TitleBody.self, context: context)
        let record = try await conversations.create(
            tenantID: context.tenantID,
            userID: context.caller.userID,
            title: try Self.title(body.title, required: false) ?? "Untitled"
        )
        return EditedResponse(status: .created, response: ConversationView(record: record))
    }

    /// The conversation with every turn (all branches), oldest first; each turn names its parent.
    @Sendable func get(_ request: Request, context: TenantContext) async throws -> ConversationView {
        let id = try request.uuidParameter("id", context: context, resource: "conversation")
        guard let record = try await conversations.get(id, tenantID: context.tenantID, userID: context.caller.userID) else {
            throw AppError.notFound("No conversation with that id.")
        }
        let turns = try await generations.turns(ofConversation: id, tenantID: context.tenantID)
        return ConversationView(record: record, turns: turns.map { GenerationView($0, for: context.caller) })
    }

    @Sendable func rename(_ request: Request, context: TenantContext) async throws -> ConversationView {
        let id = try request.uuidParameter("id", context: context, resource: "conversation")
        let body = try await request.decodeJSON(as: TitleBody.self, context: context)
        guard let title = try Self.title(body.title, required: true),
            let record = try await conversations.rename(id, tenantID: context.tenantID, userID: context.caller.userID, title: title)
        else { throw AppError.notFound("No conversation with that id.") }
        return ConversationView(record: record)
    }

    /// Deletes the conversation; its generations stay in history and usage.
    @Sendable func delete(_ request: Request, context: TenantContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "conversation")
        guard try await conversations.delete(id, tenantID: context.tenantID, userID: context.caller.userID) else {
            throw AppError.notFound("No conversation with that id.")
        }
        return Response(status: .noContent)
    }
}
