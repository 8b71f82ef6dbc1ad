import Foundation
import NIOCore
import NIOPosix

/// Keeps tenant-configured base URLs from reaching Easel's own network (SSRF): a host that
/// resolves to a loopback, link-local, private, shared or unspecified address is refused, unless
/// the operator allows it (`EASEL_ALLOW_PRIVATE_UPSTREAMS`).
///
/// Every address the name resolves to is checked, so a name with one public and one private
/// address is refused too.
struct UpstreamAddressGuard: Sendable {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    let resolver: any HostResolver

    init(resolver: any HostResolver = SystemHostResolver()) {
        self.resolver = resolver
    }

    /// Resolves `host` and refuses it when any address is not public.
    func check(host rawHost: String, port: Int) async throws {
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let addresses: [SocketAddress]
        do {
            addresses = try await resolver.addresses(of: host, port: port)
            guard !addresses.isEmpty else { throw Refusal(description: "no address") }
        } catch {
            throw Refusal(description: "host '\(rawHost)' does not resolve")
        }
        for address in addresses {
            if let reason = Self.privateReason(address) {
                throw Refusal(description: "host '\(rawHost)' resolves to \(address.ipAddress ?? "?"), \(reason)")
            }
        }
    }

    static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> SocketAddress {
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_addr.s_addr = UInt32(a) | UInt32(b) << 8 | UInt32(c) << 16 | UInt32(d) << 24
        return SocketAddress(v4, host: "")
    }

    /// Why an address is not a public one, or nil when it is.
    static func privateReason(_ address: SocketAddress) -> String? {
        switch address {
        case .v4(let v4):
            let value = UInt32(bigEndian: v4.address.sin_addr.s_addr)
            let a = value >> 24
            let b = (value >> 16) & 0xFF
            if a == 127 { return "a loopback address" }
            if a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) { return "a private address" }
            if a == 169 && b == 254 { return "a link-local address (cloud metadata lives here)" }
            if a == 100 && (64...127).contains(b) { return "a shared (carrier-grade NAT) address" }
            if a == 0 { return "an unspecified address" }
            if a == 198 && (b == 18 || b == 19) { return "a benchmarking (private) address" }
            if a == 192 && b == 0 && ((value >> 8) & 0xFF) == 0 { return "a protocol-assignment address" }
            if a >= 224 { return "a multicast or reserved address" }
            return nil
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && (bytes[15] == 1 || bytes[15] == 0) {
                return bytes[15] == 1 ? "a loopback address" : "an unspecified address"
            }
            if bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80 { return "a link-local address" }
            if (bytes[0] & 0xFE) == 0xFC { return "a private (unique local) address" }
            if bytes[0] == 0xFF { return "a multicast address" }
            // Addresses that carry an IPv4 address inside are judged by it: IPv4-mapped
            // (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:ab:cd::).
            let mapped = bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF
            let compatible = bytes[0..<12].allSatisfy({ $0 == 0 })
            let nat64 = bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B && bytes[4..<12].allSatisfy({ $0 == 0 })
            if mapped || compatible || nat64 {
                return privateReason(ipv4(bytes[12], bytes[13], bytes[14], bytes[15]))
            }
            if bytes[0] == 0x20 && bytes[1] == 0x02 {
                return privateReason(ipv4(bytes[2], bytes[3], bytes[4], bytes[5])).map { "\($0) (inside a 6to4 address)" }
            }
            return nil
        case .unixDomainSocket:
            return "a local socket"
        }
    }
}
