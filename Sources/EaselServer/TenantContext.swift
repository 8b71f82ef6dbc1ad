import EaselCore
import Foundation
import Hummingbird

/// The request context of routes only a tenant's users may call: the caller and their tenant,
/// never nil, so handlers need no `guard let tenantID` of their own. Made from the parent
/// context after `AuthMiddleware` has run; anonymous callers get the usual 401, platform admins
/// (who have no tenant) a 403.
struct TenantContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let caller: Principal
    let tenantID: UUID
    /// The parent context, for what it knows beyond the caller (client address, request id).
    let parent: AppRequestContext

    init(context: AppRequestContext) throws {
        let caller = try context.requirePrincipal()
        let tenantID = try Policy.tenant(of: caller, for: "These routes")
        self.coreContext = context.coreContext
        self.caller = caller
        self.tenantID = tenantID
        self.parent = context
    }

    var responseEncoder: JSONEncoder { .api }
    var maxUploadSize: Int { parent.maxUploadSize }
}
