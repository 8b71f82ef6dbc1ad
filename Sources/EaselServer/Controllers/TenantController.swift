import EaselCore
import EaselStore
import Foundation
import HTTPTypes
import Hummingbird

/// Tenants and their limits: platform admins manage them all; a tenant's owners and admins read
/// their own and set its image retention.
struct TenantController {
    let tenants: TenantStore

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get(use: list)
            .post(use: create)
            .get(":id", use: get)
            .patch(":id", use: update)
    }

    /// Only platform admins manage tenants.
    func requirePlatformAdmin(_ context: AppRequestContext) throws {
        try Policy.authorize(.manageTenants, for: try context.requirePrincipal())
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> PageView<TenantView> {
        try requirePlatformAdmin(context)
        let page = try PageRequest(request)
        let result = try await tenants.list(limit: page.limit, after: page.cursor)
        return PageView(items: result.items.map(TenantView.init), nextCursor: result.nextCursor)
    }

    struct CreateBody: Decodable {
        var name: String
        var slug: String?
        var limits: LimitsPatch?
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> EditedResponse<TenantView> {
        try requirePlatformAdmin(context)
        let body = try await request.decodeJSON(as: CreateBody.self, context: context)
        let name = try TenantRules.name(body.name)
        let slug = try body.slug.map { try TenantRules.slug($0) } ?? TenantRules.slug(fromName: name)
        var limits = TenantLimits()
        try body.limits?.validated()(&limits)
        do {
            let record = try await tenants.create(
                TenantStore.NewTenant(name: name, slug: slug, limits: limits),
                audit: context.audit("tenant.create")
            )
            return EditedResponse(status: .created, response: TenantView(record))
        } catch let error as StoreError {
            throw AppError.conflict(error.description.prefix(1).uppercased() + error.description.dropFirst() + ".")
        }
    }

    /// Platform admins read any tenant; a tenant's owners and admins read their own (its limits
    /// are what the console's settings show them).
    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> TenantView {
        let id = try request.uuidParameter("id", context: context, resource: "tenant")
        try authorizeSettings(of: id, context)
        guard let tenant = try await tenants.get(id) else { throw AppError.notFound("No tenant with that id.") }
        return TenantView(tenant)
    }

    func authorizeSettings(of id: UUID, _ context: AppRequestContext) throws {
        let principal = try context.requirePrincipal()
        try Policy.authorize(.manageTenantSettings(tenantID: id), for: principal)
    }

    /// Changes to `limits`: absent fields stay, `null` lifts a limit (or restores a default).
    struct LimitsPatch: Decodable {
        var monthlyImageQuota: Patchable<Int> = .absent
        var monthlyTokenBudget: Patchable<Int> = .absent
        var maxConcurrentGenerations: Patchable<Int> = .absent
        var maxQueuedGenerations: Patchable<Int> = .absent
        var apiKeyRequestsPerMinute: Patchable<Int> = .absent
        var userRequestsPerMinute: Patchable<Int> = .absent
        var quotaCountsImagelessResults: Bool?
        var imageRetentionDays: Patchable<Int> = .absent

        /// Whether it changes anything beyond what a tenant's own admins may set (retention).
        var grantsLimits: Bool {
            let untouched = [
                monthlyImageQuota, monthlyTokenBudget, maxConcurrentGenerations, maxQueuedGenerations,
                apiKeyRequestsPerMinute, userRequestsPerMinute,
            ].allSatisfy(\.isAbsent)
            return !untouched || quotaCountsImagelessResults != nil
        }

        /// Checks every value, then returns the change to apply.
        func validated() throws -> @Sendable (inout TenantLimits) -> Void {
            func check(_ field: Patchable<Int>, _ name: String, range: ClosedRange<Int>, none: String) throws -> Int?? {
                if case .value(let value) = field { _ = try TenantRules.limit(value, field: "limits.\(name)", in: range, none: none) }
                return field.patch
            }
            let unlimited = 0...Int(Int32.max)
            let quota = try check(monthlyImageQuota, "monthlyImageQuota", range: unlimited, none: "for no limit")
            let budget = try check(monthlyTokenBudget, "monthlyTokenBudget", range: 0...Int(Int64.max / 2), none: "for no limit")
            let concurrency = try check(maxConcurrentGenerations, "maxConcurrentGenerations", range: 1...10_000, none: "for no limit")
            let queued = try check(maxQueuedGenerations, "maxQueuedGenerations", range: 0...1_000_000, none: "for no limit")
            let perKey = try check(apiKeyRequestsPerMinute, "apiKeyRequestsPerMinute", range: 0...1_000_000, none: "for the server's default")
            let perUser = try check(userRequestsPerMinute, "userRequestsPerMinute", range: 0...1_000_000, none: "for the server's default")
            let retention = try check(imageRetentionDays, "imageRetentionDays", range: 1...36500, none: "to keep images")
            let imageless = quotaCountsImagelessResults
            return { limits in
                if let quota { limits.monthlyImageQuota = quota }
                if let budget { limits.monthlyTokenBudget = budget }
                if let concurrency { limits.maxConcurrentGenerations = concurrency }
                if let queued { limits.maxQueuedGenerations = queued }
                if let perKey { limits.apiKeyRequestsPerMinute = perKey }
                if let perUser { limits.userRequestsPerMinute = perUser }
                if let imageless { limits.quotaCountsImageless = imageless }
                if let retention { limits.imageRetentionDays = retention }
            }
        }
    }

    struct PatchBody: Decodable {
        var name: String?
        var status: TenantRecord.Status?
        var limits: LimitsPatch?
    }

    /// Renames, suspends or reactivates a tenant, or changes its limits (`null` lifts a limit).
    /// A tenant's own owners and admins may change its image retention, nothing else.
    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> TenantView {
        let id = try request.uuidParameter("id", context: context, resource: "tenant")
        try authorizeSettings(of: id, context)
        let body = try await request.decodeJSON(as: PatchBody.self, context: context)
        // Anything beyond the image retention is the platform's to grant.
        if body.name != nil || body.status != nil || body.limits?.grantsLimits == true { try requirePlatformAdmin(context) }
        var patch = TenantStore.Patch()
        patch.name = try body.name.map { try TenantRules.name($0) }
        patch.status = body.status
        if let limits = body.limits { patch.limits = try limits.validated() }
        let action = body.status == .suspended ? "tenant.suspend" : body.status == .active ? "tenant.activate" : "tenant.update"
        guard let updated = try await tenants.update(id, patch, audit: context.audit(action)) else {
            throw AppError.notFound("No tenant with that id.")
        }
        return TenantView(updated)
    }
}
