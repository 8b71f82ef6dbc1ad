import Crypto
import EaselStore
import EaselTestSupport
import Foundation
import Gemini
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import EaselServer

@Suite struct AuthTests {
    @Test func loginSetsAHardenedCookieAndStoresOnlyItsHash() async throws {
        try await withWorld { client, world, db in
            let response = try await client.call(
                .post,
                "/api/v1/auth/login",
                json: #"{"email":" Member@Acme.test ","password":"\#(World.password)"}"#
            )
            #expect(response.status == .ok)
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("easel_session="))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))  // not configured here
            #expect(response.json["user"]?["email"] == .string("member@acme.test"))
            #expect(response.json["user"]?["passwordHash"] == nil)
            let token = String(cookie.split(separator: ";")[0].dropFirst("easel_session=".count))
            let stored = try await db.query("SELECT token_hash FROM sessions", logger: TestDatabase.logger).collect()
            #expect(stored.count == 1)
            let hash = try stored[0].decode(ByteBuffer.self)
            #expect(Array(buffer: hash) == Array(SHA256.hash(data: Data(token.utf8))))

            let me = try await client.call(.get, "/api/v1/me", as: .session(token: token, csrf: nil))
            #expect(me.status == .ok)
            #expect(me.json["role"] == .string("member"))
            #expect(me.json["tenant"]?["slug"] == .string("acme"))
            #expect(me.json["csrfToken"] == response.json["csrfToken"])
        }
    }

    @Test func secureCookiesWhenConfigured() async throws {
        try await withWorld(configure: { $0.cookieSecure = true }) { client, world, _ in
            let response = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"member@acme.test","password":"\#(World.password)"}"#)
            #expect(response.headers[.setCookie]?.contains("Secure") == true)
        }
    }

    @Test func wrongPasswordAndUnknownEmailLookTheSame() async throws {
        try await withWorld { client, _, _ in
            let wrong = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"member@acme.test","password":"not the password"}"#)
            let unknown = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"nobody@acme.test","password":"not the password"}"#)
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(wrong.json["error"]?["message"] == unknown.json["error"]?["message"])
            #expect(wrong.errorCode == "invalid_credentials")
        }
    }

    @Test func repeatedFailuresLockTheAccount() async throws {
        try await withWorld { client, _, _ in
            for _ in 0..<4 {
                let response = try await client.call(
                    .post,
                    "/api/v1/auth/login",
                    json: #"{"email":"admin@acme.test","password":"guess guess guess"}"#
                )
                #expect(response.status == .unauthorized)
            }
            let fifth = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"admin@acme.test","password":"guess guess guess"}"#)
            #expect(fifth.status == .tooManyRequests)
            // Locked: even the right password is refused, with a time to come back.
            let right = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"admin@acme.test","password":"\#(World.password)"}"#)
            #expect(right.status == .tooManyRequests)
            #expect(right.errorCode == "login_locked")
            #expect(Int(right.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(right.json["error"]?["message"]?.stringValue?.contains("Try again in 15 minutes") == true)
            // Other accounts are not affected.
            _ = try await client.login("owner@acme.test")
        }
    }

    @Test func stateChangesByCookieNeedTheCSRFToken() async throws {
        try await withWorld { client, world, _ in
            let session = try await client.login("member@acme.test")
            let missing = try await client.call(.post, "/api/v1/keys", as: session.withoutCSRF, json: #"{"name":"ci"}"#)
            #expect(missing.status == .forbidden)
            #expect(missing.errorCode == "csrf_failed")
            guard case .session(let token, _) = session else { return }
            let wrong = try await client.call(.post, "/api/v1/keys", as: .session(token: token, csrf: "forged"), json: #"{"name":"ci"}"#)
            #expect(wrong.status == .forbidden)
            let right = try await client.call(.post, "/api/v1/keys", as: session, json: #"{"name":"ci"}"#)
            #expect(right.status == .created)
            // Reads need no token; API keys are exempt.
            #expect(try await client.call(.get, "/api/v1/keys", as: session.withoutCSRF).status == .ok)
            #expect(try await client.call(.post, "/api/v1/keys", as: .key(world.acmeMemberKey), json: #"{"name":"by key"}"#).status == .created)
        }
    }

    @Test func logoutEndsTheSessionAndLogoutAllEndsEveryOne() async throws {
        try await withWorld { client, _, _ in
            let first = try await client.login("member@acme.test")
            let second = try await client.login("member@acme.test")
            let third = try await client.login("member@acme.test")
            #expect(try await client.call(.post, "/api/v1/auth/logout", as: first).status == .noContent)
            let after = try await client.call(.get, "/api/v1/me", as: first)
            #expect(after.status == .unauthorized)
            #expect(after.errorCode == "session_expired")
            #expect(try await client.call(.get, "/api/v1/me", as: second).status == .ok)

            let all = try await client.call(.post, "/api/v1/auth/logout-all", as: second)
            #expect(all.json["endedSessions"] == .number(2))
            #expect(try await client.call(.get, "/api/v1/me", as: second).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/me", as: third).status == .unauthorized)
        }
    }

    @Test func idleAndAbsoluteExpiryEndSessions() async throws {
        try await withWorld { client, _, db in
            let idle = try await client.login("member@acme.test")
            let aged = try await client.login("owner@acme.test")
            try await db.query(
                "UPDATE sessions SET idle_expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE email = 'member@acme.test')",
                logger: TestDatabase.logger
            )
            try await db.query(
                """
                UPDATE sessions SET created_at = now() - interval '8 days', idle_expires_at = now() - interval '1 second',
                    expires_at = now() - interval '1 second'
                WHERE user_id = (SELECT id FROM users WHERE email = 'owner@acme.test')
                """,
                logger: TestDatabase.logger
            )
            #expect(try await client.call(.get, "/api/v1/me", as: idle).errorCode == "session_expired")
            #expect(try await client.call(.get, "/api/v1/me", as: aged).errorCode == "session_expired")
        }
    }

    @Test func aDisabledUserLosesSessionsKeysAndLogIn() async throws {
        try await withWorld { client, world, _ in
            let member = try await client.login("member@acme.test")
            let admin = try await client.login("admin@acme.test")
            let disable = try await client.call(.patch, "/api/v1/users/\(world.acmeMember.id)", as: admin, json: #"{"status":"disabled"}"#)
            #expect(disable.status == .ok)
            #expect(disable.json["status"] == .string("disabled"))
            #expect(try await client.call(.get, "/api/v1/me", as: member).status == .unauthorized)
            let byKey = try await client.call(.get, "/api/v1/me", as: .key(world.acmeMemberKey))
            #expect(byKey.status == .unauthorized)
            #expect(byKey.errorCode == "account_disabled")
            let login = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"member@acme.test","password":"\#(World.password)"}"#)
            #expect(login.status == .forbidden)
            #expect(login.errorCode == "account_disabled")
            // And back.
            #expect(try await client.call(.patch, "/api/v1/users/\(world.acmeMember.id)", as: admin, json: #"{"status":"active"}"#).status == .ok)
            #expect(try await client.call(.get, "/api/v1/me", as: .key(world.acmeMemberKey)).status == .ok)
        }
    }

    @Test func changingThePasswordEndsOtherSessions() async throws {
        try await withWorld { client, _, _ in
            let here = try await client.login("member@acme.test")
            let elsewhere = try await client.login("member@acme.test")
            let wrong = try await client.call(
                .post,
                "/api/v1/me/password",
                as: here,
                json: #"{"currentPassword":"nope nope nope","newPassword":"a brand new secret"}"#
            )
            #expect(wrong.status == .badRequest)
            let weak = try await client.call(
                .post,
                "/api/v1/me/password",
                as: here,
                json: #"{"currentPassword":"\#(World.password)","newPassword":"short"}"#
            )
            #expect(weak.json["error"]?["message"] == .string("password must be at least 10 characters"))
            let changed = try await client.call(
                .post,
                "/api/v1/me/password",
                as: here,
                json: #"{"currentPassword":"\#(World.password)","newPassword":"a brand new secret"}"#
            )
            #expect(changed.status == .noContent)
            #expect(try await client.call(.get, "/api/v1/me", as: here).status == .ok)
            #expect(try await client.call(.get, "/api/v1/me", as: elsewhere).status == .unauthorized)
            _ = try await client.login("member@acme.test", password: "a brand new secret")
        }
    }

    @Test func apiKeysAreShownOnceAndRefusedWhenRevokedOrExpired() async throws {
        try await withWorld { client, world, db in
            let session = try await client.login("member@acme.test")
            let created = try await client.call(.post, "/api/v1/keys", as: session, json: #"{"name":"laptop"}"#)
            #expect(created.status == .created)
            let secret = try #require(created.json["secret"]?.stringValue)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(secret.hasPrefix("esl_") && created.json["prefix"]?.stringValue == String(secret.prefix(12)))
            let listed = try await client.call(.get, "/api/v1/keys", as: session)
            #expect(!listed.text.contains(secret))
            #expect(listed.json["items"]?.arrayValue.count == 2)

            #expect(try await client.call(.get, "/api/v1/me", as: .key(secret)).status == .ok)
            let lastUsed = try await db.query("SELECT last_used_at FROM api_keys WHERE id = \(UUID(uuidString: id)!)", logger: TestDatabase.logger)
                .collect().first?.decode(Date?.self)
            #expect(lastUsed != nil)

            #expect(try await client.call(.delete, "/api/v1/keys/\(id)", as: session).status == .noContent)
            let revoked = try await client.call(.get, "/api/v1/me", as: .key(secret))
            #expect(revoked.status == .unauthorized && revoked.errorCode == "api_key_revoked")

            try await db.query(
                "UPDATE api_keys SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = \(world.acmeMemberKeyID)",
                logger: TestDatabase.logger
            )
            let expired = try await client.call(.get, "/api/v1/me", as: .key(world.acmeMemberKey))
            #expect(expired.status == .unauthorized && expired.errorCode == "api_key_expired")

            #expect(try await client.call(.get, "/api/v1/me", as: .key("esl_made_up")).errorCode == "invalid_api_key")
            let basic = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Basic Zm9vOmJhcg=="])
            #expect(basic.errorCode == "invalid_authorization")
            let past = try await client.call(.post, "/api/v1/keys", as: session, json: #"{"name":"old","expiresAt":"2001-01-01T00:00:00Z"}"#)
            #expect(past.status == .badRequest)
        }
    }

    @Test func aSuspendedTenantIsLockedOut() async throws {
        try await withWorld { client, world, _ in
            let root = try await client.login("root@easel.test")
            let member = try await client.login("member@acme.test")
            let suspended = try await client.call(.patch, "/api/v1/tenants/\(world.acme)", as: root, json: #"{"status":"suspended"}"#)
            #expect(suspended.json["status"] == .string("suspended"))
            for caller in [member, Caller.key(world.acmeMemberKey)] {
                let response = try await client.call(.get, "/api/v1/me", as: caller)
                #expect(response.status == .forbidden && response.errorCode == "tenant_suspended")
            }
            let login = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"owner@acme.test","password":"\#(World.password)"}"#)
            #expect(login.errorCode == "tenant_suspended")
            // Globex carries on.
            #expect(try await client.call(.get, "/api/v1/me", as: .key(world.globexMemberKey)).status == .ok)
        }
    }

    @Test func invitedUsersSetTheirPasswordOnceThroughTheLink() async throws {
        try await withWorld { client, _, _ in
            let admin = try await client.login("admin@acme.test")
            let invited = try await client.call(.post, "/api/v1/users", as: admin, json: #"{"email":"new@acme.test","role":"member"}"#)
            #expect(invited.status == .created)
            #expect(invited.json["user"]?["status"] == .string("invited"))
            let link = try #require(invited.json["setPasswordUrl"]?.stringValue)
            let token = try #require(link.components(separatedBy: "#token=").last)
            let refused = try await client.call(.post, "/api/v1/auth/login", json: #"{"email":"new@acme.test","password":"anything at all"}"#)
            #expect(refused.status == .unauthorized)

            let set = try await client.call(.post, "/api/v1/auth/set-password", json: #"{"token":"\#(token)","password":"my own good password"}"#)
            #expect(set.status == .noContent)
            _ = try await client.login("new@acme.test", password: "my own good password")
            let again = try await client.call(.post, "/api/v1/auth/set-password", json: #"{"token":"\#(token)","password":"another good password"}"#)
            #expect(again.status == .badRequest && again.errorCode == "invalid_token")
        }
    }
}
