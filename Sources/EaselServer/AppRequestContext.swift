import Hummingbird
import Logging
import NIOCore

/// The request context of every Easel route.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Requests may carry several input images; the largest sizes are checked per route.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }

    /// The id that names this request in responses and log lines.
    public var requestID: String {
        logger[metadataKey: "hb.request.id"]?.description ?? "unknown"
    }
}
