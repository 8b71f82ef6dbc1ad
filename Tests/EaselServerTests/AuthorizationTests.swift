import EaselStore
import EaselTestSupport
import Foundation
import Gemini
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import EaselServer

/// Who may call what: every admin route as every role, and every id-taking route with another
/// tenant's ids.
@Suite struct AuthorizationTests {
    enum Who: String, CaseIterable, Sendable { case anonymous, root, owner, admin, member, memberKey }

    func caller(_ who: Who, _ client: any TestClientProtocol, _ world: World) async throws -> Caller {
        switch who {
        case .anonymous: return .anonymous
        case .root: return try await client.login(world.root.email)
        case .owner: return try await client.login(world.acmeOwner.email)
        case .admin: return try await client.login(world.acmeAdmin.email)
        case .member: return try await client.login(world.acmeMember.email)
        case .memberKey: return .key(world.acmeMemberKey)
        }
    }

    @Test func roleMatrix() async throws {
        try await withWorld { client, world, _ in
            struct Row {
                var method: HTTPRequest.Method
                var path: String
                var body: String?
                /// Expected status per caller, in `Who.allCases` order.
                var expected: [Int]
            }
            let acme = world.acme.uuidString
            let rows: [Row] = [
                Row(method: .get, path: "/api/v1/tenants", expected: [401, 200, 403, 403, 403, 403]),
                Row(method: .post, path: "/api/v1/tenants", body: #"{"name":"T-$WHO"}"#, expected: [401, 201, 403, 403, 403, 403]),
                // A tenant's own admins read its limits and set its image retention, nothing more.
                Row(method: .get, path: "/api/v1/tenants/\(acme)", expected: [401, 200, 200, 200, 403, 403]),
                Row(method: .get, path: "/api/v1/tenants/\(world.globex)", expected: [401, 200, 404, 404, 404, 404]),
                Row(
                    method: .patch,
                    path: "/api/v1/tenants/\(acme)",
                    body: #"{"limits":{"monthlyImageQuota":500}}"#,
                    expected: [401, 200, 403, 403, 403, 403]
                ),
                Row(method: .patch, path: "/api/v1/tenants/\(acme)", body: #"{"name":"Acme $WHO"}"#, expected: [401, 200, 403, 403, 403, 403]),
                Row(
                    method: .patch,
                    path: "/api/v1/tenants/\(acme)",
                    body: #"{"limits":{"imageRetentionDays":90}}"#,
                    expected: [401, 200, 200, 200, 403, 403]
                ),
                Row(method: .get, path: "/api/v1/users?tenantId=\(acme)", expected: [401, 200, 200, 200, 403, 403]),
                Row(
                    method: .post,
                    path: "/api/v1/users",
                    body: #"{"email":"m-$WHO@acme.test","role":"member","tenantId":"\#(acme)"}"#,
                    expected: [401, 201, 201, 201, 403, 403]
                ),
                Row(
                    method: .post,
                    path: "/api/v1/users",
                    body: #"{"email":"o-$WHO@acme.test","role":"owner","tenantId":"\#(acme)"}"#,
                    expected: [401, 201, 201, 403, 403, 403]
                ),
                Row(method: .get, path: "/api/v1/users/\(world.acmeMember.id)", expected: [401, 200, 200, 200, 403, 403]),
                Row(
                    method: .patch,
                    path: "/api/v1/users/\(world.acmeMember.id)",
                    body: #"{"displayName":"M $WHO"}"#,
                    expected: [401, 200, 200, 200, 403, 403]
                ),
                Row(
                    method: .patch,
                    path: "/api/v1/users/\(world.acmeOwner.id)",
                    body: #"{"displayName":"O $WHO"}"#,
                    expected: [401, 200, 200, 403, 403, 403]
                ),
                Row(method: .post, path: "/api/v1/users/\(world.acmeMember.id)/reset-password", expected: [401, 200, 200, 200, 403, 403]),
                Row(method: .get, path: "/api/v1/audit", expected: [401, 200, 200, 200, 403, 403]),
                Row(method: .get, path: "/api/v1/keys", expected: [401, 200, 200, 200, 200, 200]),
                Row(method: .post, path: "/api/v1/keys", body: #"{"name":"k"}"#, expected: [401, 403, 201, 201, 201, 201]),
                Row(method: .get, path: "/api/v1/me", expected: [401, 200, 200, 200, 200, 200]),
            ]
            var callers: [Who: Caller] = [:]
            for who in Who.allCases { callers[who] = try await caller(who, client, world) }
            for row in rows {
                for (index, who) in Who.allCases.enumerated() {
                    let body = row.body?.replacingOccurrences(of: "$WHO", with: who.rawValue)
                    let response = try await client.call(row.method, row.path, as: callers[who]!, json: body)
                    #expect(
                        Int(response.status.code) == row.expected[index],
                        "\(row.method) \(row.path) as \(who.rawValue): \(response.status.code) \(response.text.prefix(160))"
                    )
                }
            }
        }
    }

    @Test func anotherTenantsIdsAreNotFound() async throws {
        try await withWorld { client, world, _ in
            let globexUser = world.globexMember.id
            for caller in [try await client.login(world.acmeOwner.email), try await client.login(world.acmeAdmin.email), .key(world.acmeMemberKey)] {
                let cases: [(HTTPRequest.Method, String, String?)] = [
                    (.get, "/api/v1/users/\(globexUser)", nil),
                    (.patch, "/api/v1/users/\(globexUser)", #"{"status":"disabled"}"#),
                    (.post, "/api/v1/users/\(globexUser)/reset-password", nil),
                    (.delete, "/api/v1/keys/\(world.globexMemberKeyID)", nil),
                ]
                for (method, path, body) in cases {
                    let response = try await client.call(method, path, as: caller, json: body)
                    #expect(response.status == .notFound, "\(method) \(path): \(response.status.code)")
                    #expect(!response.text.contains("globex"))
                }
                // Lists ignore a tenantId that is not the caller's own.
                let users = try await client.call(.get, "/api/v1/users?tenantId=\(world.globex)", as: caller)
                #expect(!users.text.contains("globex.test"))
                let audit = try await client.call(.get, "/api/v1/audit?tenantId=\(world.globex)", as: caller)
                #expect(!audit.text.contains(world.globex.uuidString.lowercased()))
            }
            // Creating a user "in" another tenant lands in the caller's own tenant.
            let owner = try await client.login(world.acmeOwner.email)
            let created = try await client.call(
                .post,
                "/api/v1/users",
                as: owner,
                json: #"{"email":"sneaky@x.test","role":"member","tenantId":"\#(world.globex)"}"#
            )
            #expect(created.json["user"]?["tenantId"] == .string(world.acme.uuidString))
            // The globex member's key still works: nothing was revoked across tenants.
            #expect(try await client.call(.get, "/api/v1/me", as: .key(world.globexMemberKey)).status == .ok)
            // Malformed ids are 404 too, never 500.
            #expect(try await client.call(.get, "/api/v1/users/not-a-uuid", as: owner).status == .notFound)
        }
    }

    @Test func ownersAreProtected() async throws {
        try await withWorld { client, world, _ in
            let owner = try await client.login(world.acmeOwner.email)
            let admin = try await client.login(world.acmeAdmin.email)
            // The only owner cannot step down.
            let last = try await client.call(.patch, "/api/v1/users/\(world.acmeOwner.id)", as: owner, json: #"{"role":"admin"}"#)
            #expect(last.status == .conflict && last.errorCode == "last_owner")
            // An admin cannot promote anyone to owner.
            let promote = try await client.call(.patch, "/api/v1/users/\(world.acmeMember.id)", as: admin, json: #"{"role":"owner"}"#)
            #expect(promote.status == .forbidden)
            // Nobody disables themselves.
            let selfDisable = try await client.call(.patch, "/api/v1/users/\(world.acmeAdmin.id)", as: admin, json: #"{"status":"disabled"}"#)
            #expect(selfDisable.status == .conflict)
            // With a second owner, the first may step down.
            #expect(try await client.call(.patch, "/api/v1/users/\(world.acmeAdmin.id)", as: owner, json: #"{"role":"owner"}"#).status == .ok)
            #expect(try await client.call(.patch, "/api/v1/users/\(world.acmeOwner.id)", as: owner, json: #"{"role":"admin"}"#).status == .ok)
        }
    }

    @Test func tenantsAreValidatedAndAudited() async throws {
        try await withWorld { client, world, db in
            let root = try await client.login(world.root.email)
            let created = try await client.call(
                .post,
                "/api/v1/tenants",
                as: root,
                json: #"{"name":"Initech Labs","limits":{"monthlyImageQuota":1000}}"#
            )
            #expect(created.status == .created)
            #expect(created.json["slug"] == .string("initech-labs"))
            #expect(created.json["limits"]?["monthlyImageQuota"] == .number(1000))
            #expect(created.json["limits"]?["monthlyTokenBudget"] == .null)
            let id = try #require(created.json["id"]?.stringValue)

            let duplicate = try await client.call(.post, "/api/v1/tenants", as: root, json: #"{"name":"Other","slug":"initech-labs"}"#)
            #expect(duplicate.status == .conflict)
            let badSlug = try await client.call(.post, "/api/v1/tenants", as: root, json: #"{"name":"X","slug":"Bad Slug"}"#)
            #expect(badSlug.status == .badRequest && badSlug.json["error"]?["message"]?.stringValue?.hasPrefix("slug ") == true)
            let negative = try await client.call(.patch, "/api/v1/tenants/\(id)", as: root, json: #"{"limits":{"monthlyImageQuota":-1}}"#)
            #expect(negative.status == .badRequest)
            let lifted = try await client.call(.patch, "/api/v1/tenants/\(id)", as: root, json: #"{"limits":{"monthlyImageQuota":null}}"#)
            #expect(lifted.json["limits"]?["monthlyImageQuota"] == .null)
            #expect(try await client.call(.get, "/api/v1/tenants/\(UUID())", as: root).status == .notFound)

            let audit = try await client.call(.get, "/api/v1/audit?tenantId=\(id)", as: root)
            let actions = audit.json["items"]?.arrayValue.compactMap { $0["action"]?.stringValue } ?? []
            #expect(actions == ["tenant.update", "tenant.create"])
            let update = try #require(audit.json["items"]?[0])
            #expect(update["actor"] == .string("root@easel.test"))
            #expect(update["details"]?["before"]?["monthlyImageQuota"] == .string("1000"))
            #expect(update["details"]?["after"]?["monthlyImageQuota"] == .string("unlimited"))
            #expect(update["requestId"] == .string(lifted.headers[RequestIDMiddleware.header] ?? "?"))
        }
    }

    @Test func listsArePaginated() async throws {
        try await withWorld { client, world, _ in
            let root = try await client.login(world.root.email)
            var seen: [String] = []
            var cursor: String? = nil
            repeat {
                let path = "/api/v1/users?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.call(.get, path, as: root)
                #expect(page.status == .ok)
                seen += page.json["items"]?.arrayValue.compactMap { $0["email"]?.stringValue } ?? []
                cursor = page.json["nextCursor"]?.stringValue
            } while cursor != nil
            #expect(seen.count == 6)
            #expect(Set(seen).count == 6)
            #expect(try await client.call(.get, "/api/v1/users?limit=0", as: root).status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/users?cursor=garbage!", as: root).status == .badRequest)
        }
    }
}
