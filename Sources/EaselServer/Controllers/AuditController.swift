import EaselCore
import EaselStore
import Foundation
import Hummingbird

/// The audit log: a tenant's for its admins, everything for platform admins.
struct AuditController {
    let audits: AuditStore

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self).get(use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> PageView<AuditView> {
        let principal = try context.requirePrincipal()
        let tenantID = try principal.tenantID ?? request.uuidQuery("tenantId")
        try Policy.authorize(.readAudit(tenantID: tenantID), for: principal)
        let page = try PageRequest(request)
        let result = try await audits.list(tenantID: tenantID, limit: page.limit, before: page.cursor)
        return PageView(items: result.items.map(AuditView.init), nextCursor: result.nextCursor)
    }
}
