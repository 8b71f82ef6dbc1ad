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
    let gemini: GeminiClient
    let platformEndpoint: GeminiEndpoint
    let addressGuard: UpstreamAddressGuard
    let allowPrivateUpstreams: Bool

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(use: list)
            .post(use: create)
            .get(":id", use: get)
            .patch(":id", use: update)
            .delete(":id", use: delete)
            .post(":id/test", use: test)
    }

    // MARK: views

    struct ModelView: ResponseEncodable {
        var record: ModelRecord
        var admin: Bool
        var notice: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(record.id, forKey: .id)
            try c.encode(record.tenantID, forKey: .tenantId)
            try c.encode(record.tenantID == nil ? "platform" : "tenant", forKey: .scope)
            try c.encode(record.name, forKey: .name)
            try c.encode(record.apiModel, forKey: .apiModel)
            try c.encode(record.description, forKey: .description)
            try c.encode(record.groupName, forKey: .groupName)
            try c.encode(record.sortOrder, forKey: .sortOrder)
            try c.encode(record.enabled, forKey: .enabled)
            try c.encode(record.capabilities, forKey: .capabilities)
            try c.encode(record.deprecationDate, forKey: .deprecationDate)
            try c.encode(record.successorID, forKey: .successorId)
            try c.encode(notice, forKey: .notice)
            if admin {
                try c.encode(record.systemInstruction, forKey: .systemInstruction)
                try c.encode(record.baseURL, forKey: .baseUrl)
                try c.encode(record.tokenHint != nil, forKey: .hasToken)
                try c.encode(record.tokenHint, forKey: .tokenHint)
                try c.encode(record.visibleToAll, forKey: .visibleToAll)
                try c.encode(record.tenantIDs, forKey: .tenantIds)
                try c.encode(record.createdAt, forKey: .createdAt)
                try c.encode(record.updatedAt, forKey: .updatedAt)
            }
        }

        enum Keys: String, CodingKey {
            case id, tenantId, scope, name, apiModel, description, groupName, sortOrder, enabled, capabilities, deprecationDate
            case successorId, notice, systemInstruction, baseUrl, hasToken, tokenHint, visibleToAll, tenantIds, createdAt, updatedAt
        }
    }

    struct GroupView: Encodable, Sendable {
        var name: String
        var models: [ModelView]
    }

    struct ListView: ResponseEncodable {
        var items: [ModelView]
        var groups: [GroupView]
    }

    func view(_ record: ModelRecord, admin: Bool, names: [UUID: String]) -> ModelView {
        let lifecycle = ModelLifecycle.decide(
            modelName: record.name, deprecationDate: record.deprecationDate, successorID: record.successorID,
            successorName: record.successorID.flatMap { names[$0] }, today: Self.today())
        let notice: String?
        switch lifecycle {
        case .use(let text): notice = text
        case .redirect(_, let text): notice = text
        case .retired(let text): notice = text
        }
        return ModelView(record: record, admin: admin, notice: notice)
    }

    static func today() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    func listView(_ records: [ModelRecord], admin: Bool) -> ListView {
        let names = Dictionary(records.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let items = records.map { view($0, admin: admin, names: names) }
        var groups: [GroupView] = []
        for item in items {
            if groups.last?.name == item.record.groupName {
                groups[groups.count - 1].models.append(item)
            } else {
                groups.append(GroupView(name: item.record.groupName, models: [item]))
            }
        }
        return ListView(items: items, groups: groups)
    }

    // MARK: routes

    func authorize(_ tenantID: UUID?, _ principal: Principal) throws {
        do { try Policy.authorize(.manageModels(tenantID: tenantID), for: principal) } catch { throw error.appError }
    }

    /// Users: the enabled models they may use. Admins with `?all=true`: every config they manage.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> ListView {
        let principal = try context.requirePrincipal()
        if request.uri.queryParameters.get("all") == "true" {
            try authorize(principal.tenantID, principal)
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

    struct Body: Decodable {
        var name: String?
        var apiModel: String?
        var description: String?
        var systemInstruction: String?
        var groupName: String?
        var sortOrder: Int?
        var baseUrl: Patchable<String> = .absent
        var token: String?
        var removeToken: Bool?
        var enabled: Bool?
        var capabilities: ModelCapabilities?
        var deprecationDate: Patchable<String> = .absent
        var successorId: Patchable<UUID> = .absent
        var tenantId: UUID?
        var visibleToAll: Bool?
        var tenantIds: [UUID]?

        enum Keys: String, CodingKey {
            case name, apiModel, description, systemInstruction, groupName, sortOrder, baseUrl, token, removeToken, enabled
            case capabilities, deprecationDate, successorId, tenantId, visibleToAll, tenantIds
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            apiModel = try c.decodeIfPresent(String.self, forKey: .apiModel)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            systemInstruction = try c.decodeIfPresent(String.self, forKey: .systemInstruction)
            groupName = try c.decodeIfPresent(String.self, forKey: .groupName)
            sortOrder = try c.decodeIfPresent(Int.self, forKey: .sortOrder)
            baseUrl = try c.decodePatchable(String.self, forKey: .baseUrl)
            token = try c.decodeIfPresent(String.self, forKey: .token)
            removeToken = try c.decodeIfPresent(Bool.self, forKey: .removeToken)
            enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled)
            capabilities = try c.decodeIfPresent(ModelCapabilities.self, forKey: .capabilities)
            deprecationDate = try c.decodePatchable(String.self, forKey: .deprecationDate)
            successorId = try c.decodePatchable(UUID.self, forKey: .successorId)
            tenantId = try c.decodeIfPresent(UUID.self, forKey: .tenantId)
            visibleToAll = try c.decodeIfPresent(Bool.self, forKey: .visibleToAll)
            tenantIds = try c.decodeIfPresent([UUID].self, forKey: .tenantIds)
        }
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<ModelView> {
        let principal = try context.requirePrincipal()
        let body = try await request.decodeJSON(as: Body.self, context: context)
        // Tenant admins create their tenant's private models; platform admins platform-wide ones
        // unless they name a tenant.
        let tenantID = principal.tenantID ?? body.tenantId
        try authorize(tenantID, principal)
        if let tenantID, try await tenants.get(tenantID) == nil { throw AppError.notFound("No tenant with that id.") }
        guard let rawName = body.name else { throw ValidationError(field: "name", message: "is required") }
        guard let rawAPIModel = body.apiModel else { throw ValidationError(field: "apiModel", message: "is required") }
        let apiModel = try ModelRules.apiModel(rawAPIModel)
        var fields = ModelStore.Fields(
            name: try ModelRules.name(rawName), apiModel: apiModel,
            capabilities: body.capabilities ?? ModelCapabilities.defaults(forModel: apiModel) ?? .unknownModel)
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
        var fields = ModelStore.Fields(
            name: current.name, apiModel: current.apiModel, description: current.description,
            systemInstruction: current.systemInstruction, groupName: current.groupName, sortOrder: current.sortOrder,
            baseURL: current.baseURL, enabled: current.enabled, capabilities: current.capabilities,
            deprecationDate: current.deprecationDate, successorID: current.successorID, visibleToAll: current.visibleToAll,
            tenantIDs: current.tenantIDs)
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
            guard let record = try await models.update(
                current.id, scope: principal.scope, { $0 = final }, token: token, audit: context.audit(action))
            else {
                throw AppError.notFound("No model with that id.")
            }
            return view(record, admin: true, names: try await successorNames(record))
        } catch StoreError.conflict {
            throw AppError(.conflict, code: "conflict", message: "A model named '\(fields.name)' already exists here.", field: "name")
        }
    }

    /// Validates and applies the optional fields of a create or update body.
    func apply(_ body: Body, to fields: inout ModelStore.Fields, tenantID: UUID?, modelID: UUID?) async throws {
        if let description = body.description { fields.description = try ModelRules.text(description, field: "description", max: 2000) }
        if let instruction = body.systemInstruction {
            fields.systemInstruction = try ModelRules.text(instruction, field: "systemInstruction", max: 32000)
        }
        if let group = body.groupName { fields.groupName = try ModelRules.text(group.trimmingWhitespace(), field: "groupName", max: 100) }
        if let order = body.sortOrder { fields.sortOrder = try ModelRules.sortOrder(order) }
        if let enabled = body.enabled { fields.enabled = enabled }
        if let capabilities = body.capabilities { fields.capabilities = capabilities }
        try fields.capabilities.validate()
        switch body.baseUrl {
        case .absent: break
        case .null: fields.baseURL = nil
        case .value(let raw):
            let components = try ModelRules.baseURL(raw)
            if tenantID != nil, !allowPrivateUpstreams { try await checkAddress(raw) }
            var url = raw.trimmingWhitespace()
            while url.hasSuffix("/") { url.removeLast() }
            // The scheme in lower case, as the schema's check and every client expect.
            if let scheme = components.scheme { url = scheme.lowercased() + url.dropFirst(scheme.count) }
            fields.baseURL = url
        }
        switch body.deprecationDate {
        case .absent: break
        case .null: fields.deprecationDate = nil
        case .value(let date):
            guard Self.isDate(date) else { throw ValidationError(field: "deprecationDate", message: "must be a date as YYYY-MM-DD") }
            fields.deprecationDate = date
        }
        switch body.successorId {
        case .absent: break
        case .null: fields.successorID = nil
        case .value(let successor):
            guard successor != modelID else { throw ValidationError(field: "successorId", message: "cannot be the model itself") }
            let other: ModelRecord?
            if let tenantID {
                other = try await models.usable(successor, tenantID: tenantID)
            } else {
                other = try await models.get(successor, scope: .all).flatMap { $0.tenantID == nil ? $0 : nil }
            }
            guard other != nil else { throw ValidationError(field: "successorId", message: "names no model in this scope") }
            fields.successorID = successor
        }
        if body.visibleToAll != nil || body.tenantIds != nil {
            guard tenantID == nil else {
                throw ValidationError(field: "visibleToAll", message: "applies to platform-wide models only; a tenant's model is its own")
            }
            if let all = body.visibleToAll { fields.visibleToAll = all }
            if let ids = body.tenantIds {
                for id in ids where try await tenants.get(id) == nil {
                    throw ValidationError(field: "tenantIds", message: "names a tenant that does not exist (\(id.uuidString.lowercased()))")
                }
                fields.tenantIDs = ids
            }
        }
    }

    /// Refuses a tenant base URL whose host resolves to a non-public address.
    func checkAddress(_ rawURL: String) async throws {
        let components = try ModelRules.baseURL(rawURL)
        let port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
        do {
            try await addressGuard.check(host: components.host ?? "", port: port)
        } catch let refusal as UpstreamAddressGuard.Refusal {
            throw ValidationError(field: "baseUrl", message: "is refused: \(refusal.description); tenant models must reach public addresses")
        }
    }

    static func isDate(_ text: String) -> Bool {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return text.count == 10 && formatter.date(from: text) != nil
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> HTTPResponse.Status {
        let principal = try context.requirePrincipal()
        let current = try await managed(request, context: context, principal: principal)
        switch try await models.delete(current.id, scope: principal.scope, audit: context.audit("model.delete")) {
        case .deleted: return .noContent
        case .notFound: throw AppError.notFound("No model with that id.")
        case .inUse(let count):
            throw AppError(
                .conflict, code: "model_in_use",
                message: "\(current.name) is used by \(count) generation\(count == 1 ? "" : "s") and cannot be deleted; disable it instead.")
        }
    }

    // MARK: test connection

    struct TestView: ResponseEncodable {
        var ok: Bool
        var outcome: String
        var message: String
        var host: String
        var latencyMs: Int
        var attempts: Int
        var requestedAspectRatio: String
        var requestedImageSize: String?
        var width: Int?
        var height: Int?
        var honoredAspectRatio: Bool?
        var upstreamStatus: Int?
        var upstreamCode: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(ok, forKey: .ok)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(message, forKey: .message)
            try c.encode(host, forKey: .host)
            try c.encode(latencyMs, forKey: .latencyMs)
            try c.encode(attempts, forKey: .attempts)
            try c.encode(requestedAspectRatio, forKey: .requestedAspectRatio)
            try c.encode(requestedImageSize, forKey: .requestedImageSize)
            try c.encode(width, forKey: .width)
            try c.encode(height, forKey: .height)
            try c.encode(honoredAspectRatio, forKey: .honoredAspectRatio)
            try c.encode(upstreamStatus, forKey: .upstreamStatus)
            try c.encode(upstreamCode, forKey: .upstreamCode)
        }

        enum Keys: String, CodingKey {
            case ok, outcome, message, host, latencyMs, attempts, requestedAspectRatio, requestedImageSize, width, height
            case honoredAspectRatio, upstreamStatus, upstreamCode
        }
    }

    /// Sends one small image request through the model's route and reports what came back.
    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> TestView {
        let principal = try context.requirePrincipal()
        let model = try await managed(request, context: context, principal: principal)
        guard let route = try await models.route(model.id) else { throw AppError.notFound("No model with that id.") }
        let endpoint = UpstreamRoute.endpoint(for: route, platform: platformEndpoint)
        if model.tenantID != nil, route.baseURL != nil, !allowPrivateUpstreams {
            // DNS may have changed since the URL was saved: check again before connecting.
            do {
                try await checkAddress(route.baseURL!)
            } catch let error as ValidationError {
                return TestView(
                    ok: false, outcome: "error", message: "Not sent: the base URL \(error.message)", host: endpoint.host, latencyMs: 0,
                    attempts: 0, requestedAspectRatio: "", requestedImageSize: nil)
            }
        }
        let capabilities = model.capabilities
        // A non-square ratio shows whether a relay drops imageConfig (it would come back square).
        let ratio = capabilities.aspectRatios.contains("16:9") ? "16:9" : capabilities.aspectRatios.first { $0 != "1:1" } ?? "1:1"
        let size = capabilities.imageSizes.first
        var generate = GenerateContentRequest(
            contents: [.user(.text("A small red circle centred on a plain white background."))],
            generationConfig: GenerationConfig(responseModalities: [.image], imageConfig: ImageConfig(aspectRatio: ratio, imageSize: size)))
        if !model.systemInstruction.isEmpty { generate.systemInstruction = Content(parts: [.text(model.systemInstruction)]) }
        var result = TestView(
            ok: false, outcome: "error", message: "", host: endpoint.host, latencyMs: 0, attempts: 0, requestedAspectRatio: ratio,
            requestedImageSize: size)
        let started = ContinuousClock.now
        do {
            let call = try await gemini.generateContent(
                model: model.apiModel, request: generate, endpoint: endpoint, options: .init(timeout: .seconds(90), retry: .never))
            result.latencyMs = (ContinuousClock.now - started).wholeMilliseconds
            result.attempts = call.attempts.count
            switch call.response.outcome {
            case .images:
                let image = call.response.finalImages[0]
                result.width = image.width
                result.height = image.height
                let honored = image.width.flatMap { w in image.height.map { h in AspectRatioCheck.matches(width: w, height: h, ratio: ratio) } }
                result.honoredAspectRatio = honored
                result.ok = honored == true
                result.outcome = "image"
                result.message = honored == true
                    ? "An image came back at \(image.width ?? 0)×\(image.height ?? 0), as \(ratio) asks."
                    : "An image came back at \(image.width.map(String.init) ?? "?")×\(image.height.map(String.init) ?? "?"), which is not \(ratio): the route may drop imageConfig."
            case .promptBlocked(let reason, _):
                result.outcome = "blocked"
                result.message = "The route answered, but the test prompt was blocked (\(reason))."
            case .candidateBlocked(let reason, _):
                result.outcome = "blocked"
                result.message = "The route answered, but the image was withheld (\(reason))."
            case .noImage(let reason):
                result.outcome = "no_image"
                result.message = "The route answered without an image\(reason.map { " (finish reason \($0))" } ?? ""). Is \(model.apiModel) an image model?"
            }
        } catch {
            result.latencyMs = (ContinuousClock.now - started).wholeMilliseconds
            result.attempts = error.attempts.count
            result.upstreamStatus = error.httpStatus
            result.upstreamCode = error.googleStatus
            result.message = error.message
        }
        return result
    }
}
