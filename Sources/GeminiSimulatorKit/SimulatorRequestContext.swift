import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The request context of the simulator: large bodies, as Google accepts.
public struct SimulatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    public var maxUploadSize: Int { 256 * 1024 * 1024 }
}
