import Crypto
import EaselCore
import EaselStore
import EaselTestSupport
import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import EaselServer

/// Two tenants with a user of every role, a platform admin and API keys, made through the
/// stores (the same code the API uses), in a fresh database.
struct World: Sendable {
    static let password = "correct horse battery"

    struct Person: Sendable {
        var id: UUID
        var email: String
        var role: Role
        var tenantID: UUID?
    }

    var root: Person
    var acme: UUID
    var globex: UUID
    var acmeOwner: Person
    var acmeAdmin: Person
    var acmeMember: Person
    var globexOwner: Person
    var globexMember: Person
    /// An API key of acme's member, and one of globex's member.
    var acmeMemberKey: String
    var acmeMemberKeyID: UUID
    var globexMemberKey: String
    var globexMemberKeyID: UUID

    static func make(_ client: PostgresClient) async throws -> World {
        let logger = TestDatabase.logger
        let tenants = TenantStore(client: client, logger: logger)
        let users = UserStore(client: client, logger: logger)
        let keys = APIKeyStore(client: client, logger: logger)
        let hash = try await PasswordHasher(cost: 4).hash(password)
        let audit = AuditEntry(actor: "test", action: "test.seed")

        func person(_ email: String, _ role: Role, _ tenant: UUID?) async throws -> Person {
            let user = try await users.create(
                .init(tenantID: tenant, email: try EmailAddress(email), displayName: email, role: role, passwordHash: hash),
                audit: audit
            )
            return Person(id: user.id, email: email, role: role, tenantID: tenant)
        }
        func key(for person: Person) async throws -> (String, UUID) {
            let secret = AuthService.apiKeyPrefix + SecureToken.make()
            let record = try await keys.create(
                tenantID: person.tenantID!,
                userID: person.id,
                name: "test key",
                prefix: String(secret.prefix(12)),
                keyHash: SecureToken.sha256(secret),
                expiresAt: nil,
                audit: audit
            )
            return (secret, record.id)
        }

        let acme = try await tenants.create(.init(name: "Acme", slug: "acme"), audit: audit).id
        let globex = try await tenants.create(.init(name: "Globex", slug: "globex"), audit: audit).id
        let acmeMember = try await person("member@acme.test", .member, acme)
        let globexMember = try await person("member@globex.test", .member, globex)
        let (acmeKey, acmeKeyID) = try await key(for: acmeMember)
        let (globexKey, globexKeyID) = try await key(for: globexMember)
        return World(
            root: try await person("root@easel.test", .platformAdmin, nil),
            acme: acme,
            globex: globex,
            acmeOwner: try await person("owner@acme.test", .owner, acme),
            acmeAdmin: try await person("admin@acme.test", .admin, acme),
            acmeMember: acmeMember,
            globexOwner: try await person("owner@globex.test", .owner, globex),
            globexMember: globexMember,
            acmeMemberKey: acmeKey,
            acmeMemberKeyID: acmeKeyID,
            globexMemberKey: globexKey,
            globexMemberKeyID: globexKeyID
        )
    }
}

/// How a test request authenticates.
enum Caller: Sendable {
    case anonymous
    case session(token: String, csrf: String?)
    case key(String)

    var headers: HTTPFields {
        switch self {
        case .anonymous: return [:]
        case .session(let token, let csrf):
            var fields: HTTPFields = [.cookie: "\(AuthService.cookieName)=\(token)"]
            if let csrf { fields[AuthMiddleware.csrfHeader] = csrf }
            return fields
        case .key(let key): return [.authorization: "Bearer \(key)"]
        }
    }

    /// The same session without its CSRF token.
    var withoutCSRF: Caller {
        if case .session(let token, _) = self { return .session(token: token, csrf: nil) }
        return self
    }
}

extension TestClientProtocol {
    /// Sends a JSON request as `caller`.
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ uri: String, as caller: Caller = .anonymous, json: String? = nil) async throws -> TestResponse {
        var headers = caller.headers
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Logs in through the API and returns the session.
    func login(_ email: String, password: String = World.password) async throws -> Caller {
        let response = try await call(.post, "/api/v1/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        guard response.status == .ok else {
            throw TestDatabaseError("login of \(email) failed: \(response.status) \(response.text)")
        }
        let cookie = try #require(response.headers[.setCookie])
        let token = try #require(cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last.map(String.init))
        return .session(token: token, csrf: response.json["csrfToken"]?.stringValue)
    }
}

extension TestResponse {
    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .null }
    var errorCode: String? { json["error"]?["code"]?.stringValue }
}

/// Runs `body` against a fresh database seeded with a ``World``, through the real application.
func withWorld(
    configure: @Sendable (inout AppConfiguration) -> Void = { _ in },
    drain: ShutdownDrain? = nil,
    _ body: @Sendable (any TestClientProtocol, World, PostgresClient) async throws -> Void
) async throws {
    try await TestDatabase.with { url, client in
        let world = try await World.make(client)
        var configuration = testConfiguration(url)
        configure(&configuration)
        let app = try await buildApplication(configuration: configuration, drain: drain)
        try await app.test(.router) { testClient in try await body(testClient, world, client) }
    }
}
