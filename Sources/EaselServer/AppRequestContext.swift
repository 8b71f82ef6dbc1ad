import EaselCore
import EaselStore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The request context of every Easel route.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling, once ``AuthMiddleware`` has looked; nil for anonymous requests.
    public var identity: Identity?
    /// A session cookie came but its session is over (expired, logged out, password changed).
    public var sessionEnded = false
    /// The peer's address (a proxy's when behind one, unless forwarded headers are trusted).
    public var clientIP: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientIP = source.channel.remoteAddress?.ipAddress
    }

    public var responseEncoder: JSONEncoder { .api }

    /// Requests may carry several input images; the largest sizes are checked per route.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }

    /// The id that names this request in responses and log lines.
    public var requestID: String {
        logger[metadataKey: "hb.request.id"]?.description ?? "unknown"
    }

    /// The caller, or a 401 for anonymous requests.
    public func requirePrincipal() throws -> Principal {
        guard let identity else {
            if sessionEnded {
                throw AppError(.unauthorized, code: "session_expired", message: "Your session has ended. Log in again.")
            }
            throw AppError(.unauthorized, code: "unauthenticated", message: "Log in, or send an API key as `Authorization: Bearer <key>`.")
        }
        return identity.principal
    }
}

extension AppRequestContext {
    /// An audit entry for an action by the current caller, from where and in which request.
    func audit(_ action: String) -> AuditEntry {
        let principal = identity?.principal
        return AuditEntry(
            tenantID: principal?.tenantID,
            actorUserID: principal?.userID,
            actor: principal?.email ?? "anonymous",
            action: action,
            clientIP: clientIP,
            requestID: requestID
        )
    }
}
