import AsyncHTTPClient
import Crypto
import EaselCore
import EaselStore
import Foundation
import Gemini
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// A reason the server cannot start, said in one line.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
