import EaselCore
import EaselStore
import Foundation
import HTTPTypes
import Hummingbird

/// Tenants and their limits, for platform admins.
struct TenantController {
    let tenants: TenantStore

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(use: list)
            .post(use: create)
            .get(":id", use: get)
            .patch(":id", use: update)
    }

    func authorize(_ context: AppRequestContext) throws {
        do { try Policy.authorize(.manageTenants, for: try context.requirePrincipal()) } catch let error as PolicyError { throw error.appError }
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> PageView<TenantView> {
        try authorize(context)
        let page = try PageRequest(request)
        let result = try await tenants.list(limit: page.limit, after: page.cursor)
        return PageView(items: result.items.map(TenantView.init), nextCursor: result.nextCursor)
    }

    struct CreateBody: Decodable {
        var name: String
        var slug: String?
        var limits: LimitsView?
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<TenantView> {
        try authorize(context)
        let body = try await request.decodeJSON(as: CreateBody.self, context: context)
        let name = try TenantRules.name(body.name)
        let slug = try body.slug.map { try TenantRules.slug($0) } ?? TenantRules.slug(fromName: name)
        let tenant = TenantStore.NewTenant(
            name: name, slug: slug,
            monthlyImageQuota: try TenantRules.limit(body.limits?.monthlyImageQuota, field: "limits.monthlyImageQuota"),
            monthlyTokenBudget: try TenantRules.limit(body.limits?.monthlyTokenBudget, field: "limits.monthlyTokenBudget"),
            maxConcurrentGenerations: try Self.concurrency(body.limits?.maxConcurrentGenerations))
        do {
            let record = try await tenants.create(tenant, audit: context.audit("tenant.create"))
            return EditedResponse(status: .created, response: TenantView(record))
        } catch let error as StoreError {
            throw AppError.conflict(error.description.prefix(1).uppercased() + error.description.dropFirst() + ".")
        }
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> TenantView {
        try authorize(context)
        let id = try request.uuidParameter("id", context: context, resource: "tenant")
        guard let tenant = try await tenants.get(id) else { throw AppError.notFound("No tenant with that id.") }
        return TenantView(tenant)
    }

    struct PatchBody: Decodable {
        var name: String?
        var status: TenantRecord.Status?
        var monthlyImageQuota: Patchable<Int> = .absent
        var monthlyTokenBudget: Patchable<Int> = .absent
        var maxConcurrentGenerations: Patchable<Int> = .absent
        var imageRetentionDays: Patchable<Int> = .absent

        enum CodingKeys: String, CodingKey { case name, status, limits }
        enum LimitKeys: String, CodingKey { case monthlyImageQuota, monthlyTokenBudget, maxConcurrentGenerations, imageRetentionDays }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            status = try c.decodeIfPresent(TenantRecord.Status.self, forKey: .status)
            if c.contains(.limits) {
                let limits = try c.nestedContainer(keyedBy: LimitKeys.self, forKey: .limits)
                monthlyImageQuota = try limits.decodePatchable(Int.self, forKey: .monthlyImageQuota)
                monthlyTokenBudget = try limits.decodePatchable(Int.self, forKey: .monthlyTokenBudget)
                maxConcurrentGenerations = try limits.decodePatchable(Int.self, forKey: .maxConcurrentGenerations)
                imageRetentionDays = try limits.decodePatchable(Int.self, forKey: .imageRetentionDays)
            }
        }
    }

    /// Renames, suspends or reactivates a tenant, or changes its limits (`null` lifts a limit).
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> TenantView {
        try authorize(context)
        let id = try request.uuidParameter("id", context: context, resource: "tenant")
        let body = try await request.decodeJSON(as: PatchBody.self, context: context)
        var patch = TenantStore.Patch()
        patch.name = try body.name.map { try TenantRules.name($0) }
        patch.status = body.status
        if case .value(let value) = body.monthlyImageQuota { _ = try TenantRules.limit(value, field: "limits.monthlyImageQuota") }
        if case .value(let value) = body.monthlyTokenBudget { _ = try TenantRules.limit(value, field: "limits.monthlyTokenBudget") }
        if case .value(let value) = body.maxConcurrentGenerations { _ = try Self.concurrency(value) }
        if case .value(let days) = body.imageRetentionDays, !(1...36500).contains(days) {
            throw ValidationError(field: "limits.imageRetentionDays", message: "must be from 1 to 36500 days (or null to keep images)")
        }
        patch.monthlyImageQuota = body.monthlyImageQuota.patch
        patch.monthlyTokenBudget = body.monthlyTokenBudget.patch
        patch.maxConcurrentGenerations = body.maxConcurrentGenerations.patch
        patch.imageRetentionDays = body.imageRetentionDays.patch
        let action = body.status == .suspended ? "tenant.suspend" : body.status == .active ? "tenant.activate" : "tenant.update"
        guard let updated = try await tenants.update(id, patch, audit: context.audit(action)) else {
            throw AppError.notFound("No tenant with that id.")
        }
        return TenantView(updated)
    }

    static func concurrency(_ value: Int?) throws -> Int? {
        guard let value else { return nil }
        guard value >= 1, value <= Int(Int32.max) else {
            throw ValidationError(field: "limits.maxConcurrentGenerations", message: "must be 1 or more (or null for no limit)")
        }
        return value
    }
}
