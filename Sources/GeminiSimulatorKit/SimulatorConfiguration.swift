import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// How the simulator runs.
public struct SimulatorConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// When set, every call must carry this key (`x-goog-api-key` or `?key=`).
    public var apiKey: String?
    /// Added to every answer.
    public var latency: Duration
    /// The day (`YYYY-MM-DD`, UTC) whose model list the simulator serves; nil for today. Ids Google
    /// had shut down (or not yet served) by then are its 404, as they are Google's.
    public var servedOn: String?

    public init(host: String = "127.0.0.1", port: Int = 0, apiKey: String? = nil, latency: Duration = .zero, servedOn: String? = nil) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.latency = latency
        self.servedOn = servedOn
    }

    /// The last day Google served every family the simulator knows (Gemini 2.5 Flash Image was
    /// shut down the next day). Test suites run as of it, so the 2.5 family, which relays and
    /// other clouds serve longer, stays under test; the preview ids are already gone by then.
    public static let lastDayOfAllFamilies = "2026-10-01"

    /// The day whose model list is served.
    var day: String { servedOn ?? ServedModels.today() }
}
