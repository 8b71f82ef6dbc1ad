import EaselCore
import EaselStore
import Foundation
import HTTPTypes
import Hummingbird

/// The caller's own API keys. The secret is shown once, in the answer to its creation.
struct KeyController {
    let keys: APIKeyStore

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(use: list)
            .post(use: create)
            .delete(":id", use: revoke)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> PageView<APIKeyView> {
        let principal = try context.requirePrincipal()
        guard let tenantID = principal.tenantID else { return PageView(items: [], nextCursor: nil) }
        return PageView(items: try await keys.list(userID: principal.userID, tenantID: tenantID).map { APIKeyView($0) }, nextCursor: nil)
    }

    struct CreateBody: Decodable {
        var name: String
        var expiresAt: Date?
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<APIKeyView> {
        let principal = try context.requirePrincipal()
        let tenantID = try Policy.tenant(of: principal, for: "API keys")
        let body = try await request.decodeJSON(as: CreateBody.self, context: context)
        let name = body.name.trimmingWhitespace()
        guard (1...100).contains(name.unicodeScalars.count) else {
            throw AppError.validation(ValidationError(field: "name", message: "must be 1 to 100 characters"))
        }
        if let expiry = body.expiresAt, expiry <= Date() {
            throw AppError.validation(ValidationError(field: "expiresAt", message: "must be in the future"))
        }
        let secret = AuthService.apiKeyPrefix + SecureToken.make()
        let record = try await keys.create(
            tenantID: tenantID,
            userID: principal.userID,
            name: name,
            prefix: String(secret.prefix(12)),
            keyHash: SecureToken.sha256(secret),
            expiresAt: body.expiresAt,
            audit: context.audit("api_key.create")
        )
        return EditedResponse(status: .created, headers: [.cacheControl: "no-store"], response: APIKeyView(record, secret: secret))
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "API key")
        guard let tenantID = principal.tenantID,
            try await keys.revoke(id, userID: principal.userID, tenantID: tenantID, audit: context.audit("api_key.revoke"))
        else {
            throw AppError.notFound("No API key of yours with that id.")
        }
        return .noContent
    }
}
