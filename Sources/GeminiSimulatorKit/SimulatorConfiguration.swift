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

    public init(host: String = "127.0.0.1", port: Int = 0, apiKey: String? = nil, latency: Duration = .zero) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.latency = latency
    }
}
