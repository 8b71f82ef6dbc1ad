import NIOCore
import Synchronization

@testable import EaselServer

/// A resolver whose answers a test sets and changes, as DNS can change between the time a base
/// URL is saved and the time it is called. Names it was not told of do not resolve.
final class FakeHostResolver: HostResolver {
    private let answers = Mutex<[String: [String]]>([:])

    /// From now on, `host` resolves to `addresses` (IP literals).
    func set(_ host: String, to addresses: [String]) {
        answers.withLock { $0[host.lowercased()] = addresses }
    }

    func addresses(of host: String, port: Int) async throws -> [SocketAddress] {
        guard let addresses = answers.withLock({ $0[host.lowercased()] }) else { throw UpstreamAddressGuard.Refusal(description: "no address") }
        return try addresses.map { try SocketAddress(ipAddress: $0, port: port) }
    }
}
