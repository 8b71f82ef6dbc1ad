import Foundation
import NIOCore
import NIOPosix

/// Turns a host name into the addresses a connection to it would use.
public protocol HostResolver: Sendable {
    /// Every address `host` resolves to now.
    func addresses(of host: String, port: Int) async throws -> [SocketAddress]
}
