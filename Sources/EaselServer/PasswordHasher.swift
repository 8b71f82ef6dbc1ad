import HummingbirdBcrypt
import NIOPosix

/// bcrypt hashing off the event loops.
///
/// `Bcrypt.hash` and `verify` are slow on purpose and synchronous, so they run on NIO's
/// blocking thread pool where they cannot stall request handling.
public struct PasswordHasher: Sendable {
    public let cost: UInt8

    public init(cost: Int) {
        self.cost = UInt8(clamping: cost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
