import EaselCore
import EaselStore
import Foundation
import Gemini
import HTTPTypes
import Hummingbird

/// Model configs: which Gemini models users may pick and how each reaches Google.
struct ModelController {
    let models: ModelStore
    let tenants: TenantStore
    let upstream: UpstreamCaller

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(use: list)
            .post(use: create)
            .get(":id", use: get)
            .patch(":id", use: update)
            .delete(":id", use: delete)
            .post(":id/test", use: test)
    }

    func view(_ record: ModelRecord, admin: Bool, names: [UUID: String]) -> ModelView {
        let lifecycle = ModelLifecycle.decide(
            modelName: record.name,
            deprecationDate: record.deprecationDate,
            successorID: record.successorID,
            successorName: record.successorID.flatMap { names[$0] },
            today: ModelLifecycle.today()
        )
        var notice: String?
        switch lifecycle {
        case .use(let text): notice = text
        case .redirect(_, let text): notice = text
        case .retired(let text): notice = text
        }
        // What Google's catalog says of the upstream id, when the config itself says nothing.
        if notice == nil { notice = ModelCatalog.notice(for: record.apiModel, on: ModelLifecycle.today()) }
        return ModelView(record: record, admin: admin, notice: notice)
    }

    func listView(_ records: [ModelRecord], admin: Bool) -> ModelListView {
        let names = Dictionary(records.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let items = records.map { view($0, admin: admin, names: names) }
        var groups: [ModelGroupView] = []
        for item in items {
            if groups.last?.name == item.record.groupName {
                groups[groups.count - 1].models.append(item)
            } else {
                groups.append(ModelGroupView(name: item.record.groupName, models: [item]))
            }
        }
        return ModelListView(items: items, groups: groups)
    }

    // MARK: routes

    /// Users: the enabled models they may use. Admins with `?all=true`: every config they manage.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ModelListView {
        let principal = try context.requirePrincipal()
        if request.uri.queryParameters.get("all") == "true" {
            try Policy.authorize(.manageModels(tenantID: principal.tenantID), for: principal)
            return listView(try await models.listManaged(tenantID: principal.tenantID), admin: true)
        }
        guard let tenantID = principal.tenantID else {
            // Platform admins use no models themselves; they see what they manage.
            return listView(try await models.listManaged(tenantID: nil).filter(\.enabled), admin: true)
        }
        return listView(try await models.listUsable(tenantID: tenantID), admin: false)
    }

    /// The config named in the path, if the caller may manage it; otherwise a 404.
    func managed(_ request: Request, context: AppRequestContext, principal: Principal) async throws -> ModelRecord {
        let id = try request.uuidParameter("id", context: context, resource: "model")
        guard let record = try await models.get(id, scope: principal.scope) else { throw AppError.notFound("No model with that id.") }
        do {
            try Policy.authorize(.manageModels(tenantID: record.tenantID), for: principal)
        } catch .notFound {
            throw AppError.notFound("No model with that id.")
        } catch {
            throw error.appError
        }
        return record
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> ModelView {
        let principal = try context.requirePrincipal()
        let id = try request.uuidParameter("id", context: context, resource: "model")
        if let record = try await models.get(id, scope: principal.scope),
            (try? Policy.authorize(.manageModels(tenantID: record.tenantID), for: principal)) != nil
        {
            return view(record, admin: true, names: try await successorNames(record))
        }
        // Otherwise the model as a user of the caller's tenant sees it, if they may use it.
        guard let tenantID = principal.tenantID, let record = try await models.usable(id, tenantID: tenantID), record.enabled else {
            throw AppError.notFound("No model with that id.")
        }
        return view(record, admin: false, names: try await successorNames(record))
    }

    func successorNames(_ record: ModelRecord) async throws -> [UUID: String] {
        guard let successor = record.successorID, let other = try await models.get(successor, scope: .all) else { return [:] }
        return [other.id: other.name]
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<ModelView> {
        let principal = try context.requirePrincipal()
        let body = try await request.decodeJSON(as: Body.self, context: context)
        // Tenant admins create their tenant's private models; platform admins platform-wide ones
        // unless they name a tenant.
        let tenantID = principal.tenantID ?? body.tenantId
        try Policy.authorize(.manageModels(tenantID: tenantID), for: principal)
        if let tenantID, try await tenants.get(tenantID) == nil { throw AppError.notFound("No tenant with that id.") }
        guard let rawName = body.name else { throw ValidationError(field: "name", message: "is required") }
        guard let rawAPIModel = body.apiModel else { throw ValidationError(field: "apiModel", message: "is required") }
        let apiModel = try ModelRules.apiModel(rawAPIModel)
        var fields = ModelFields(
            name: try ModelRules.name(rawName),
            apiModel: apiModel,
            capabilities: body.capabilities ?? ModelCapabilities.defaults(forModel: apiModel) ?? .unknownModel
        )
        try await apply(body, to: &fields, tenantID: tenantID, modelID: nil)
        if body.removeToken == true { throw ValidationError(field: "removeToken", message: "makes no sense on a new model") }
        let token = try body.token.map { try ModelRules.token($0) }
        do {
            let record = try await models.create(tenantID: tenantID, fields, token: token, audit: context.audit("model.create"))
            return EditedResponse(status: .created, response: view(record, admin: true, names: try await successorNames(record)))
        } catch StoreError.conflict {
            throw AppError(.conflict, code: "conflict", message: "A model named '\(fields.name)' already exists here.", field: "name")
        }
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> ModelView {
        let principal = try context.requirePrincipal()
        let current = try await managed(request, context: context, principal: principal)
        let body = try await request.decodeJSON(as: Body.self, context: context)
        if body.tenantId != nil, body.tenantId != current.tenantID {
            throw ValidationError(field: "tenantId", message: "cannot change: a model stays in the scope it was made in")
        }
        var fields = current.fields
        if let name = body.name { fields.name = try ModelRules.name(name) }
        if let apiModel = body.apiModel { fields.apiModel = try ModelRules.apiModel(apiModel) }
        try await apply(body, to: &fields, tenantID: current.tenantID, modelID: current.id)
        let token: ModelStore.TokenChange
        switch (body.token, body.removeToken) {
        case (.some, true): throw ValidationError(field: "token", message: "cannot be set and removed at once")
        case (.some(let value), _): token = .replace(try ModelRules.token(value))
        case (nil, true): token = .remove
        default: token = .keep
        }
        let final = fields
        let action = body.enabled == false ? "model.disable" : body.enabled == true ? "model.enable" : "model.update"
        do {
            guard
                let record = try await models.update(
                    current.id,
                    scope: principal.scope,
                    { $0 = final },
                    token: token,
                    audit: context.audit(action)
                )
            else {
                throw AppError.notFound("No model with that id.")
            }
            return view(record, admin: true, names: try await successorNames(record))
        } catch StoreError.conflict {
            throw AppError(.conflict, code: "conflict", message: "A model named '\(fields.name)' already exists here.", field: "name")
        }
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let principal = try context.requirePrincipal()
        let current = try await managed(request, context: context, principal: principal)
        switch try await models.delete(current.id, scope: principal.scope, audit: context.audit("model.delete")) {
        case .deleted: return .noContent
        case .notFound: throw AppError.notFound("No model with that id.")
        case .inUse(let count):
            throw AppError(
                .conflict,
                code: "model_in_use",
                message: "\(current.name) is used by \(count) generation\(count == 1 ? "" : "s") and cannot be deleted; disable it instead."
            )
        }
    }
}
