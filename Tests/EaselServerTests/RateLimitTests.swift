import EaselStore
import EaselTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import EaselServer

/// Rate limits hold across instances: two applications on one database share the counters.
@Suite struct RateLimitTests {
    /// Starts a test early in a minute, so its requests share one window.
    static func awayFromAMinuteBoundary(_ db: PostgresClient) async throws {
        let second = try await db.query("SELECT extract(second FROM now())::float8", logger: TestDatabase.logger).collect().first!.decode(Double.self)
        if second > 50 { try await Task.sleep(for: .milliseconds(Int((60.5 - second) * 1000))) }
    }

    @Test func twoInstancesShareOneLimitPerKeyAndAnswer429WithRetryAfter() async throws {
        try await TestDatabase.with { url, db in
            let world = try await World.make(db)
            let configuration = testConfiguration(url).with {
                $0.apiKeyRequestsPerMinute = 3
                $0.userRequestsPerMinute = 0
            }
            try await Self.awayFromAMinuteBoundary(db)
            let first = try await buildApplication(configuration: configuration)
            let second = try await buildApplication(configuration: configuration)
            try await first.test(.router) { a in
                try await second.test(.router) { b in
                    let key = Caller.key(world.acmeMemberKey)
                    // An unknown model: refused after counting, so nothing else is needed to run.
                    let body = #"{"modelId":"\#(UUID())","prompt":"x"}"#
                    var statuses: [HTTPResponse.Status] = []
                    for client in [a, b, a] as [any TestClientProtocol] {
                        statuses.append(try await client.call(.post, "/api/v1/generations", as: key, json: body).status)
                    }
                    #expect(statuses == [.notFound, .notFound, .notFound])
                    let limited = try await b.call(.post, "/api/v1/generations", as: key, json: body)
                    #expect(limited.status == .tooManyRequests && limited.errorCode == "rate_limited")
                    let retryAfter = Int(limited.headers[.retryAfter] ?? "") ?? 0
                    #expect((1...60).contains(retryAfter))
                    #expect(limited.json["error"]?["message"]?.stringValue?.contains("3 per minute") == true)
                    #expect(try await a.call(.post, "/api/v1/generations", as: key, json: body).status == .tooManyRequests)
                    // Another key of the same tenant has its own count.
                    #expect(try await a.call(.post, "/api/v1/generations", as: .key(world.globexMemberKey), json: body).status == .notFound)
                }
            }
        }
    }

    @Test func theWindowIsOneMinuteAndOldWindowsAreRemoved() async throws {
        try await TestDatabase.with { _, db in
            let store = RateLimitStore(client: db, logger: TestDatabase.logger)
            try await Self.awayFromAMinuteBoundary(db)
            // A window from an earlier minute does not count, and goes when the next one opens.
            let user = UUID()
            let scope = "user:\(user.uuidString.lowercased())"
            try await db.query(
                "INSERT INTO rate_limit_counters VALUES (\(scope), date_trunc('minute', now()) - interval '1 minute', 99)",
                logger: TestDatabase.logger
            )
            func hit() async throws -> [RateLimitStore.Decision] {
                try await store.hit(tenantID: nil, apiKeyID: nil, userID: user, defaultPerAPIKey: 5, defaultPerUser: 2)
            }
            let decision = try await hit()
            #expect(decision.count == 1 && decision[0].count == 1 && decision[0].allowed && decision[0].scope == .user)
            let rows = try await db.query("SELECT count(*)::int FROM rate_limit_counters", logger: TestDatabase.logger).collect().first!.decode(
                Int.self
            )
            #expect(rows == 1)
            _ = try await hit()
            #expect(try await hit()[0].allowed == false)
            // A limit of 0 is no limit, and nothing is counted for it.
            let unlimited = try await store.hit(tenantID: nil, apiKeyID: UUID(), userID: UUID(), defaultPerAPIKey: 0, defaultPerUser: 0)
            #expect(unlimited.isEmpty)
        }
    }

    @Test func aTenantsOwnLimitReplacesTheServersDefault() async throws {
        try await TestDatabase.with { url, db in
            let world = try await World.make(db)
            let configuration = testConfiguration(url).with {
                $0.apiKeyRequestsPerMinute = 0
                $0.userRequestsPerMinute = 0
            }
            try await Self.awayFromAMinuteBoundary(db)
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let root = try await client.login(world.root.email)
                let set = try await client.call(
                    .patch,
                    "/api/v1/tenants/\(world.acme)",
                    as: root,
                    json: #"{"limits":{"userRequestsPerMinute":2}}"#
                )
                #expect(set.json["limits"]?["userRequestsPerMinute"] == .number(2) && set.json["limits"]?["apiKeyRequestsPerMinute"] == .null)
                let body = #"{"modelId":"\#(UUID())","prompt":"x"}"#
                var acme: [HTTPResponse.Status] = []
                for _ in 0..<3 { acme.append(try await client.call(.post, "/api/v1/generations", as: .key(world.acmeMemberKey), json: body).status) }
                #expect(acme == [.notFound, .notFound, .tooManyRequests])
                // Globex keeps the server's default, which here is no limit.
                for _ in 0..<3 {
                    #expect(try await client.call(.post, "/api/v1/generations", as: .key(world.globexMemberKey), json: body).status == .notFound)
                }
                let bad = try await client.call(
                    .patch,
                    "/api/v1/tenants/\(world.acme)",
                    as: root,
                    json: #"{"limits":{"apiKeyRequestsPerMinute":-5}}"#
                )
                #expect(bad.status == .badRequest && bad.json["error"]?["field"] == .string("limits.apiKeyRequestsPerMinute"))
            }
        }
    }
}
