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
    ///
    /// The name is judged as a connection would use it: brackets and one trailing dot (the DNS
    /// root, `127.0.0.1.` is still loopback) are removed first; an address literal is judged
    /// without a lookup, and `localhost` names (RFC 6761) are refused without one.
    func check(host rawHost: String, port: Int) async throws {
        var host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        if host.hasSuffix(".") { host.removeLast() }
        host = host.lowercased()
        guard !host.isEmpty, !host.hasSuffix(".") else { throw Refusal(description: "host '\(rawHost)' is not a host name") }
        if host == "localhost" || host.hasSuffix(".localhost") {
            throw Refusal(description: "host '\(rawHost)' is a loopback name")
        }
        let addresses: [SocketAddress]
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            addresses = [literal]
        } else {
            do {
                addresses = try await resolver.addresses(of: host, port: port)
                guard !addresses.isEmpty else { throw Refusal(description: "no address") }
            } catch {
                throw Refusal(description: "host '\(rawHost)' does not resolve")
            }
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

    /// Why an address is not a public one, or nil when it is. Follows IANA's special-purpose
    /// address registries (RFC 6890 and its updates): an upstream must be a globally reachable
    /// unicast address.
    static func privateReason(_ address: SocketAddress) -> String? {
        switch address {
        case .v4(let v4):
            let value = UInt32(bigEndian: v4.address.sin_addr.s_addr)
            let a = value >> 24
            let b = (value >> 16) & 0xFF
            let c = (value >> 8) & 0xFF
            if a == 127 { return "a loopback address" }
            if a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) { return "a private address" }
            if a == 169 && b == 254 { return "a link-local address (cloud metadata lives here)" }
            if a == 100 && (64...127).contains(b) { return "a shared (carrier-grade NAT) address" }
            if a == 0 { return "an unspecified address" }
            if a == 198 && (b == 18 || b == 19) { return "a benchmarking (private) address" }
            if a == 192 && b == 0 && c == 0 { return "a protocol-assignment address" }
            if (a == 192 && b == 0 && c == 2) || (a == 198 && b == 51 && c == 100) || (a == 203 && b == 0 && c == 113) {
                return "a documentation address"
            }
            if a == 192 && b == 88 && c == 99 { return "a retired 6to4 relay address" }
            if a >= 224 { return "a multicast or reserved address" }
            return nil
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            func zero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == 0 } }
            func embeddedV4(_ reason: String?) -> String? { reason.map { "\($0) (inside an IPv6 address)" } }
            if zero(0..<15) && (bytes[15] == 1 || bytes[15] == 0) {
                return bytes[15] == 1 ? "a loopback address" : "an unspecified address"
            }
            // Forms that carry an IPv4 address the connection reaches are judged by it:
            // IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, IPv4-compatible
            // ::a.b.c.d, and the well-known NAT64 prefix 64:ff9b::/96.
            let v4 = Self.ipv4(bytes[12], bytes[13], bytes[14], bytes[15])
            if zero(0..<10) && bytes[10] == 0xFF && bytes[11] == 0xFF { return embeddedV4(privateReason(v4)) }
            if zero(0..<8) && bytes[8] == 0xFF && bytes[9] == 0xFF && zero(10..<12) { return embeddedV4(privateReason(v4)) }
            if zero(0..<12) { return embeddedV4(privateReason(v4)) }
            if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B {
                if zero(4..<12) { return embeddedV4(privateReason(v4)) }
                if bytes[4] == 0x00 && bytes[5] == 0x01 { return "a local-use NAT64 address" }
            }
            if bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80 { return "a link-local address" }
            if bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0xC0 { return "a site-local address" }
            if (bytes[0] & 0xFE) == 0xFC { return "a private (unique local) address" }
            if bytes[0] == 0xFF { return "a multicast address" }
            if bytes[0] == 0x20 && bytes[1] == 0x02 {
                return privateReason(Self.ipv4(bytes[2], bytes[3], bytes[4], bytes[5])).map { "\($0) (inside a 6to4 address)" }
            }
            if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return "a documentation address" }
            if bytes[0] == 0x3F && bytes[1] == 0xFF && (bytes[2] & 0xF0) == 0 { return "a documentation address" }
            // 2001::/23 is IETF protocol assignments: Teredo (2001::/32, which tunnels to an IPv4
            // address of its own), benchmarking, ORCHID; none is a place for an upstream.
            if bytes[0] == 0x20 && bytes[1] == 0x01 && (bytes[2] & 0xFE) == 0 {
                return bytes[2] == 0 && bytes[3] == 0 ? "a Teredo tunnel address" : "an IETF protocol-assignment address"
            }
            // Everything else outside global unicast (2000::/3) is reserved or special.
            if (bytes[0] & 0xE0) != 0x20 { return "a reserved address (not global unicast)" }
            return nil
        case .unixDomainSocket:
            return "a local socket"
        }
    }
}
