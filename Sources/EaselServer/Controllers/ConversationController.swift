import EaselCore
import EaselStore
import Foundation
import Hummingbird

/// Conversations: the timeline of a multi-turn edit. Only the user who started one sees it;
/// any other id (another user's, another tenant's) is "not found".
struct ConversationController {
    let conversations: ConversationStore
    let generations: GenerationStore

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(use: list)
            .post(use: create)
            .get(":id", use: get)
            .patch(":id", use: rename)
            .delete(":id", use: delete)
    }

    struct TitleBody: Decodable {
        var title: String?
    }

    /// The caller as a conversation owner: a user of a tenant.
    static func owner(_ context: AppRequestContext) throws -> (tenantID: UUID, userID: UUID) {
        let principal = try context.requirePrincipal()
        guard let tenantID = principal.tenantID else {
            throw AppError(.forbidden, code: "forbidden", message: "Conversations belong to a tenant's users; platform admins have no tenant.")
        }
        return (tenantID, principal.userID)
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

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> PageView<ConversationView> {
        let owner = try Self.owner(context)
        let page = try PageRequest(request)
        let result = try await conversations.list(tenantID: owner.tenantID, userID: owner.userID, limit: page.limit, before: page.cursor)
        return PageView(items: result.items.map { ConversationView(record: $0) }, nextCursor: result.nextCursor)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<ConversationView> {
        let owner = try Self.owner(context)
        let body = try await request.decodeJSON(as: TitleBody.self, context: context)
        let record = try await conversations.create(
            tenantID: owner.tenantID, userID: owner.userID, title: try Self.title(body.title, required: false) ?? "Untitled")
        return EditedResponse(status: .created, response: ConversationView(record: record))
    }

    /// The conversation with every turn (all branches), oldest first; each turn names its parent.
    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> ConversationView {
        let owner = try Self.owner(context)
        let id = try request.uuidParameter("id", context: context, resource: "conversation")
        guard let record = try await conversations.get(id, tenantID: owner.tenantID, userID: owner.userID) else {
            throw AppError.notFound("No conversation with that id.")
        }
        let turns = try await generations.turns(ofConversation: id, tenantID: owner.tenantID)
        return ConversationView(record: record, turns: turns.map(GenerationView.init))
    }

    @Sendable func rename(_ request: Request, context: AppRequestContext) async throws -> ConversationView {
        let owner = try Self.owner(context)
        let id = try request.uuidParameter("id", context: context, resource: "conversation")
        let body = try await request.decodeJSON(as: TitleBody.self, context: context)
        guard let title = try Self.title(body.title, required: true),
            let record = try await conversations.rename(id, tenantID: owner.tenantID, userID: owner.userID, title: title)
        else { throw AppError.notFound("No conversation with that id.") }
        return ConversationView(record: record)
    }

    /// Deletes the conversation; its generations stay in history and usage.
    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let owner = try Self.owner(context)
        let id = try request.uuidParameter("id", context: context, resource: "conversation")
        guard try await conversations.delete(id, tenantID: owner.tenantID, userID: owner.userID) else {
            throw AppError.notFound("No conversation with that id.")
        }
        return Response(status: .noContent)
    }
}
