import EaselStore
import EaselTestSupport
import Foundation
import Gemini
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import EaselServer

/// Inputs that once reached PostgreSQL and came back as 500s, and other sharp edges.
@Suite struct HardeningTests {
    @Test func oddLogInsAreRefusedCleanly() async throws {
        try await withWorld { client, _, _ in
            let empty = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"  ","password":"x"}"#)
            #expect(empty.status == .badRequest)
            let nul = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"a\u0000@b.c","password":"long enough"}"#)
            #expect(nul.status == .badRequest)
            let long = try await client.call(
                .post,
                "/api/v1/auth/login",
                json: #"{"email":"\#(String(repeating: "a", count: 400))@x.io","password":"long enough"}"#
            )
            #expect(long.status == .unauthorized)
            let agent = try await client.execute(
                uri: "/api/v1/auth/login",
                method: .post,
                headers: [.contentType: "application/json", .userAgent: String(repeating: "e\u{301}", count: 400)],
                body: ByteBuffer(string: #"{"email":"member@acme.test","password":"\#(World.password)"}"#)
            )
            #expect(agent.status == .ok)
        }
    }

    @Test func valuesTheSchemaRefusesAre400s() async throws {
        try await withWorld { client, world, _ in
            let owner = try await client.login(world.acmeOwner.email)
            let combining = String(repeating: "e\u{301}", count: 150)  // 150 characters, 300 code points
            let name = try await client.call(.patch, "/api/v1/users/\(world.acmeMember.id)", as: owner, json: #"{"displayName":"\#(combining)"}"#)
            #expect(name.status == .badRequest && name.json["error"]?["field"] == .string("displayName"))
            let root = try await client.login(world.root.email)
            let huge = try await client.call(
                .patch,
                "/api/v1/tenants/\(world.acme)",
                as: root,
                json: #"{"limits":{"monthlyImageQuota":99999999999}}"#
            )
            #expect(huge.status == .badRequest)
            let cursor = Data("99999999999999999999|x".utf8).base64EncodedString()
            #expect(try await client.call(.get, "/api/v1/users?cursor=\(cursor)", as: root).status == .badRequest)
            let farFuture = Data("9000000000000000|\(UUID())".utf8).base64EncodedString()
            #expect(try await client.call(.get, "/api/v1/tenants?cursor=\(farFuture)", as: root).status == .badRequest)
            let upper = try await client.call(
                .post,
                "/api/v1/models",
                as: root,
                json: #"{"name":"Up","apiModel":"gemini-2.5-flash-image","baseUrl":"HTTPS://Relay.Example.com"}"#
            )
            #expect(upper.status == .created)
            #expect(upper.json["baseUrl"] == .string("https://Relay.Example.com"))
        }
    }

    @Test func aForwardedForThatIsNoAddressIsIgnored() async throws {
        try await withWorld(configure: { $0.trustForwardedFor = true }) { client, _, db in
            for forwarded in ["unknown", "10.0.0.1:5555", "203.0.113.9"] {
                let response = try await client.execute(
                    uri: "/api/v1/auth/login",
                    method: .post,
                    headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: "198.51.100.1, \(forwarded)"],
                    body: ByteBuffer(string: #"{"email":"member@acme.test","password":"\#(World.password)"}"#)
                )
                #expect(response.status == .ok, "\(forwarded)")
            }
            let addresses = try await db.query("SELECT host(client_ip) FROM sessions WHERE client_ip IS NOT NULL", logger: TestDatabase.logger)
                .collect().map { try $0.decode(String.self) }
            #expect(addresses == ["203.0.113.9"])
        }
    }

    @Test func aNumberItsFieldCannotHoldIsNamedNotCalledInvalidJSON() async throws {
        try await withWorld { client, world, _ in
            let member = Caller.key(world.acmeMemberKey)
            for (body, field) in [
                (#"{"modelId":"00000000-0000-0000-0000-000000000000","prompt":"x","count":99999999999999999999}"#, "count"),
                (#"{"modelId":"00000000-0000-0000-0000-000000000000","prompt":"x","count":1.5}"#, "count"),
                (#"{"modelId":"00000000-0000-0000-0000-000000000000","prompt":"x","count":1e400}"#, nil),
            ] {
                let response = try await client.call(.post, "/api/v1/generations", as: member, json: body)
                #expect(response.status == .badRequest, "\(body)")
                let error = try response.decode(ErrorEnvelope.self).error
                #expect(error.code == "invalid_field", "\(body)")
                #expect(!error.message.contains("not valid JSON"), "\(error.message)")
                if let field { #expect(error.message.contains("'\(field)'"), "\(error.message)") }
            }
            // Broken JSON is still called so.
            let broken = try await client.call(.post, "/api/v1/generations", as: member, json: #"{"prompt":"#)
            #expect(try broken.decode(ErrorEnvelope.self).error.code == "invalid_json")
        }
    }

    @Test func aPathWithAControlCharacterIsRefusedNotServed() async throws {
        try await withWorld { client, _, _ in
            for path in ["/login.html%00.js", "/js/app.js%00", "/login.html%0a", "/api/v1/models%00"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .badRequest, "\(path)")
                #expect(response.headers[.contentType]?.contains("javascript") != true, "\(path)")
            }
            #expect(try await client.execute(uri: "/login.html", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/js/app.js", method: .get).status == .ok)
        }
    }

    @Test func addressesThatHideAPrivateOneAreRefused() throws {
        func reason(_ ip: String) throws -> String? {
            try UpstreamAddressGuard.privateReason(SocketAddress(ipAddress: ip, port: 443))
        }
        #expect(try reason("64:ff9b::a9fe:a9fe") != nil)  // NAT64 of 169.254.169.254
        #expect(try reason("2002:7f00:1::") != nil)  // 6to4 of 127.0.0.1
        #expect(try reason("::ffff:10.0.0.1") != nil)
        #expect(try reason("198.18.0.1") != nil)
        #expect(try reason("192.0.0.8") != nil)
        #expect(try reason("100.64.1.1") != nil)
        #expect(try reason("fd00::1") != nil)
        // Forms a probe found accepted.
        #expect(try reason("::ffff:0:7f00:1") != nil)  // IPv4-translated 127.0.0.1
        #expect(try reason("::ffff:0:a9fe:a9fe") != nil)
        #expect(try reason("fec0::1") != nil)  // site-local
        #expect(try reason("64:ff9b:1::a00:1") != nil)  // local-use NAT64
        #expect(try reason("2001:0:4136:e378:8000:63bf:3fff:fdd2") != nil)  // Teredo
        #expect(try reason("2001:2::1") != nil)  // benchmarking
        #expect(try reason("2001:db8::1") != nil)
        #expect(try reason("3fff::1") != nil)
        #expect(try reason("100::1") != nil)  // discard-only, outside global unicast
        #expect(try reason("192.0.2.10") != nil)
        #expect(try reason("198.51.100.7") != nil)
        #expect(try reason("203.0.113.9") != nil)
        // Public ones stay allowed, the embedded forms of a public IPv4 address too.
        #expect(try reason("8.8.8.8") == nil)
        #expect(try reason("2001:4860:4860::8888") == nil)
        #expect(try reason("2a00:1450:4001:81c::200a") == nil)
        #expect(try reason("::ffff:8.8.8.8") == nil)
        #expect(try reason("64:ff9b::808:808") == nil)
    }

    @Test func loopbackSpelledWithATrailingDotOrAsANameIsRefusedWithoutALookup() async throws {
        let resolver = FakeHostResolver()
        // Were these looked up, a resolver answering publicly would let them through.
        for name in ["127.0.0.1.", "localhost.", "api.localhost", "LOCALHOST", "[::1]"] {
            resolver.set(name, to: ["8.8.8.8"])
            resolver.set(String(name.dropLast()), to: ["8.8.8.8"])
        }
        let guardian = UpstreamAddressGuard(resolver: resolver)
        for host in ["127.0.0.1.", "localhost.", "api.localhost", "LOCALHOST", "[::1]", "[::ffff:0:7f00:1]"] {
            await #expect(throws: UpstreamAddressGuard.Refusal.self, "\(host)") {
                try await guardian.check(host: host, port: 443)
            }
        }
        // A public name with the root dot is looked up without it and allowed.
        resolver.set("relay.example.com", to: ["8.8.8.8"])
        try await guardian.check(host: "relay.example.com.", port: 443)
        await #expect(throws: UpstreamAddressGuard.Refusal.self) { try await guardian.check(host: "..", port: 443) }
    }

    @Test func thePlatformKeyNeverGoesToAnAlternateBaseURL() async throws {
        try await withInProcessSimulator { simulatorURL in
            // The simulator requires the platform key; a model routed to it by its own base URL and
            // without a token must arrive with no key at all.
            try await withWorld(configure: {
                $0.geminiBaseURL = "http://127.0.0.1:9"
                $0.geminiAPIKey = "sim-key"
            }) { client, world, _ in
                let root = try await client.login(world.root.email)
                let created = try await client.call(
                    .post,
                    "/api/v1/models",
                    as: root,
                    json: #"{"name":"Relay","apiModel":"gemini-2.5-flash-image","baseUrl":"\#(simulatorURL)"}"#
                )
                let id = try #require(created.json["id"]?.stringValue)
                let result = try await client.call(.post, "/api/v1/models/\(id)/test", as: root)
                #expect(result.json["upstreamStatus"] == .number(403))
                #expect(result.json["message"]?.stringValue?.contains("unregistered callers") == true)
            }
        }
    }
}
