import EaselCore
import EaselStore
import EaselTestSupport
import Foundation
import Gemini
import GeminiSimulatorKit
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

@testable import EaselServer

@Suite struct ModelTests {
    static let token = "AIzaSy-secret-token-4f7Q"

    @Test func platformAdminsManagePlatformModelsAndUsersSeeThemGroupedAndOrdered() async throws {
        try await withWorld { client, world, _ in
            let root = try await client.login(world.root.email)
            for (name, group, order) in [
                ("Zeta", "Image generation", 20), ("Alpha", "Image generation", 20), ("Fast", "Image generation", 10), ("Draft", "Experiments", 5),
            ] {
                let created = try await client.call(
                    .post,
                    "/api/v1/models",
                    as: root,
                    json: #"{"name":"\#(name)","apiModel":"gemini-2.5-flash-image","groupName":"\#(group)","sortOrder":\#(order)}"#
                )
                #expect(created.status == .created, "\(created.text)")
            }
            let member = Caller.key(world.acmeMemberKey)
            let list = try await client.call(.get, "/api/v1/models", as: member)
            #expect(list.status == .ok)
            let groups = list.json["groups"]?.arrayValue ?? []
            #expect(groups.compactMap { $0["name"]?.stringValue } == ["Experiments", "Image generation"])
            let names = groups.last?["models"]?.arrayValue.compactMap { $0["name"]?.stringValue }
            #expect(names == ["Fast", "Alpha", "Zeta"])
            // Users see what they need, not how models reach Google.
            let first = try #require(list.json["items"]?[0])
            #expect(first["baseUrl"] == nil && first["tokenHint"] == nil && first["systemInstruction"] == nil)
            // Capabilities come from the model family.
            #expect(first["capabilities"]?["maxInputImages"] == .number(3))
            #expect(first["capabilities"]?["aspectRatios"]?.arrayValue.count == 10)

            // Members and tenant admins cannot make platform models.
            let denied = try await client.call(.post, "/api/v1/models", as: member, json: #"{"name":"X","apiModel":"gemini-2.5-flash-image"}"#)
            #expect(denied.status == .forbidden)
        }
    }

    @Test func theTokenIsEncryptedAndNeverReturnedLoggedOrAudited() async throws {
        let logs = LogCapture()
        try await TestDatabase.with { url, db in
            let world = try await World.make(db)
            var configuration = testConfiguration(url)
            configuration.logLevel = .trace
            let app = try await buildApplication(configuration: configuration, logger: logs.logger(level: .trace))
            try await app.test(.router) { client in
                let root = try await client.login(world.root.email)
                let created = try await client.call(
                    .post,
                    "/api/v1/models",
                    as: root,
                    json: #"{"name":"Relay","apiModel":"gemini-3-pro-image-preview","baseUrl":"https://relay.example.com/","token":"\#(Self.token)"}"#
                )
                #expect(created.status == .created)
                #expect(created.json["tokenHint"] == .string("4f7Q"))
                #expect(created.json["hasToken"] == .bool(true))
                #expect(created.json["baseUrl"] == .string("https://relay.example.com"))
                let id = try #require(created.json["id"]?.stringValue)
                var seen = [created.text]
                seen.append(try await client.call(.get, "/api/v1/models/\(id)", as: root).text)
                seen.append(try await client.call(.get, "/api/v1/models?all=true", as: root).text)
                seen.append(try await client.call(.patch, "/api/v1/models/\(id)", as: root, json: #"{"token":"another-token-9999"}"#).text)
                let audit = try await client.call(.get, "/api/v1/audit", as: root)
                seen.append(audit.text)
                for text in seen { #expect(!text.contains(Self.token) && !text.contains("another-token-9999")) }
                // The audit log says the token changed, and nothing more.
                let update = audit.json["items"]?.arrayValue.first { $0["action"] == .string("model.update") }
                #expect(update?["details"]?["after"]?["token"] == .string("replaced"))

                // At rest: ciphertext, not the token.
                let stored = try await db.query(
                    "SELECT token_ciphertext FROM models WHERE id = \(UUID(uuidString: id)!)",
                    logger: TestDatabase.logger
                )
                .collect().first!.decode(ByteBuffer.self)
                #expect(!String(buffer: stored).contains("another-token"))
                let audits = try await db.query("SELECT string_agg(details::text, ' ') FROM audit_log", logger: TestDatabase.logger)
                    .collect().first!.decode(String.self)
                #expect(!audits.contains(Self.token))

                let removed = try await client.call(.patch, "/api/v1/models/\(id)", as: root, json: #"{"removeToken":true}"#)
                #expect(removed.json["hasToken"] == .bool(false) && removed.json["tokenHint"] == .null)
            }
            #expect(!logs.text.contains(Self.token))
            #expect(!logs.text.contains("another-token-9999"))
            #expect(logs.text.contains("/api/v1/models"))  // the capture did see the requests
        }
    }

    @Test func theCiphertextOpensOnlyUnderItsKeyAndForItsRow() throws {
        let box = SecretBox(secret: Data(repeating: 1, count: 32))
        let id = UUID()
        let sealed = try box.seal("tok", boundTo: id)
        #expect(try box.open(sealed, boundTo: id) == "tok")
        #expect(throws: SecretBoxError.self) { try box.open(sealed, boundTo: UUID()) }
        #expect(throws: SecretBoxError.self) { try SecretBox(secret: Data(repeating: 2, count: 32)).open(sealed, boundTo: id) }
    }

    @Test func rotatingTheSecretReencryptsEveryToken() async throws {
        try await TestDatabase.with { _, db in
            let old = SecretBox(secret: Data(repeating: 1, count: 32))
            let new = SecretBox(secret: Data(repeating: 2, count: 32))
            let store = ModelStore(client: db, logger: TestDatabase.logger, box: old)
            let model = try await store.create(
                tenantID: nil,
                ModelFields(name: "M", apiModel: "gemini-2.5-flash-image", capabilities: .unknownModel),
                token: "sekrit",
                audit: AuditEntry(actor: "test", action: "model.create")
            )
            #expect(try await ModelStore.reencryptTokens(client: db, from: old, to: new, logger: TestDatabase.logger) == 1)
            #expect(try await ModelStore(client: db, logger: TestDatabase.logger, box: new).route(model.id)?.token == "sekrit")
            await #expect(throws: SecretBoxError.self) { try await store.route(model.id) }
        }
    }

    @Test func tenantAdminsBringTheirOwnKeyOnlyToPublicAddresses() async throws {
        try await withWorld { client, world, _ in
            let owner = try await client.login(world.acmeOwner.email)
            for (url, reason) in [
                ("http://127.0.0.1:8080", "loopback"), ("http://[::1]/", "loopback"), ("http://169.254.169.254/", "link-local"),
                ("http://10.1.2.3", "private"), ("https://192.168.0.10", "private"), ("http://172.20.0.1", "private"),
                ("http://localhost:9000", "loopback"),
            ] {
                let response = try await client.call(
                    .post,
                    "/api/v1/models",
                    as: owner,
                    json: #"{"name":"BYOK","apiModel":"gemini-2.5-flash-image","baseUrl":"\#(url)"}"#
                )
                #expect(response.status == .badRequest, "\(url)")
                #expect(response.json["error"]?["field"] == .string("baseUrl"))
                #expect(response.json["error"]?["message"]?.stringValue?.contains(reason) == true, "\(url): \(response.text)")
            }
            for (url, message) in [
                ("ftp://relay.example.com", "http:// or https://"), ("https://user:pw@relay.example.com", "user name or password"),
                ("https://relay.example.com/#x", "fragment"), ("relay", "http:// or https://"),
            ] {
                let response = try await client.call(
                    .post,
                    "/api/v1/models",
                    as: owner,
                    json: #"{"name":"BYOK","apiModel":"gemini-2.5-flash-image","baseUrl":"\#(url)"}"#
                )
                #expect(response.status == .badRequest && response.text.contains(message), "\(url): \(response.text)")
            }
            // A literal public address passes; the model is private to acme.
            let ok = try await client.call(
                .post,
                "/api/v1/models",
                as: owner,
                json: #"{"name":"BYOK","apiModel":"gemini-2.5-flash-image","baseUrl":"https://8.8.8.8","token":"t-1234"}"#
            )
            #expect(ok.status == .created, "\(ok.text)")
            #expect(ok.json["scope"] == .string("tenant"))
            let id = try #require(ok.json["id"]?.stringValue)
            // Globex neither sees nor reaches it.
            let globex = try await client.login(world.globexOwner.email)
            #expect(try await client.call(.get, "/api/v1/models/\(id)", as: globex).status == .notFound)
            #expect(try await client.call(.patch, "/api/v1/models/\(id)", as: globex, json: #"{"enabled":false}"#).status == .notFound)
            #expect(!(try await client.call(.get, "/api/v1/models", as: .key(world.globexMemberKey)).text.contains("BYOK")))
            #expect(try await client.call(.get, "/api/v1/models", as: .key(world.acmeMemberKey)).text.contains("BYOK"))
            // A tenant admin reads a platform model as a user would, and cannot change or delete it.
            let root0 = try await client.login(world.root.email)
            let shared = try await client.call(.post, "/api/v1/models", as: root0, json: #"{"name":"Shared","apiModel":"gemini-2.5-flash-image"}"#)
            let sharedID = try #require(shared.json["id"]?.stringValue)
            let read = try await client.call(.get, "/api/v1/models/\(sharedID)", as: owner)
            #expect(read.status == .ok && read.json["baseUrl"] == nil)
            #expect(try await client.call(.patch, "/api/v1/models/\(sharedID)", as: owner, json: #"{"enabled":false}"#).status == .notFound)
            #expect(try await client.call(.delete, "/api/v1/models/\(sharedID)", as: owner).status == .notFound)
            // Platform models may point anywhere, the operator's own network included.
            let root = try await client.login(world.root.email)
            let platform = try await client.call(
                .post,
                "/api/v1/models",
                as: root,
                json: #"{"name":"Local","apiModel":"gemini-2.5-flash-image","baseUrl":"http://127.0.0.1:9999"}"#
            )
            #expect(platform.status == .created)
        }
    }

    @Test func theOperatorMayAllowPrivateUpstreams() async throws {
        try await withWorld(configure: { $0.allowPrivateUpstreams = true }) { client, world, _ in
            let owner = try await client.login(world.acmeOwner.email)
            let response = try await client.call(
                .post,
                "/api/v1/models",
                as: owner,
                json: #"{"name":"Lab","apiModel":"gemini-2.5-flash-image","baseUrl":"http://10.0.0.5:8080"}"#
            )
            #expect(response.status == .created)
        }
    }

    @Test func validationNamesTheField() async throws {
        try await withWorld { client, world, _ in
            let root = try await client.login(world.root.email)
            let cases: [(String, String, String)] = [
                (#"{"apiModel":"gemini-2.5-flash-image"}"#, "name", "name is required"),
                (#"{"name":"A"}"#, "apiModel", "apiModel is required"),
                (#"{"name":"A","apiModel":"has spaces"}"#, "apiModel", "is not a model id"),
                (#"{"name":"A","apiModel":"gemini-2.5-flash-image","sortOrder":-1}"#, "sortOrder", "sortOrder must be"),
                (#"{"name":"A","apiModel":"gemini-2.5-flash-image","deprecationDate":"next week"}"#, "deprecationDate", "YYYY-MM-DD"),
                (
                    #"{"name":"A","apiModel":"x-model","capabilities":{"maxInputImages":2,"aspectRatios":["wide"],"imageSizes":[],"thinkingLevels":[],"groundingAllowed":false}}"#,
                    "capabilities.aspectRatios", "not W:H"
                ),
                (#"{"name":"A","apiModel":"gemini-2.5-flash-image","successorId":"\#(UUID())"}"#, "successorId", "names no model"),
            ]
            for (body, field, message) in cases {
                let response = try await client.call(.post, "/api/v1/models", as: root, json: body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(response.json["error"]?["field"] == .string(field), "\(body): \(response.text)")
                #expect(response.json["error"]?["message"]?.stringValue?.contains(message) == true, "\(body): \(response.text)")
            }
            let typed = try await client.call(.post, "/api/v1/models", as: root, json: #"{"name":"A","apiModel":"m","sortOrder":"first"}"#)
            #expect(typed.json["error"]?["message"] == .string("Field 'sortOrder' has the wrong type; expected an integer."))
            _ = try await client.call(.post, "/api/v1/models", as: root, json: #"{"name":"Same","apiModel":"gemini-2.5-flash-image"}"#)
            let duplicate = try await client.call(.post, "/api/v1/models", as: root, json: #"{"name":"same","apiModel":"gemini-2.5-flash-image"}"#)
            #expect(duplicate.status == .conflict && duplicate.json["error"]?["field"] == .string("name"))
        }
    }

    @Test func deprecatedModelsCarryANoticeAndModelsInUseCannotBeDeleted() async throws {
        try await withWorld { client, world, db in
            let root = try await client.login(world.root.email)
            let successor = try await client.call(
                .post,
                "/api/v1/models",
                as: root,
                json: #"{"name":"New","apiModel":"gemini-3.1-flash-image-preview"}"#
            )
            let successorID = try #require(successor.json["id"]?.stringValue)
            let old = try await client.call(
                .post,
                "/api/v1/models",
                as: root,
                json: #"{"name":"Old","apiModel":"gemini-2.5-flash-image","deprecationDate":"2999-01-01","successorId":"\#(successorID)"}"#
            )
            #expect(old.json["notice"] == .string("Old is deprecated and stops taking new generations on 2999-01-01. Use New instead."))
            let oldID = try #require(old.json["id"]?.stringValue)
            let past = try await client.call(.patch, "/api/v1/models/\(oldID)", as: root, json: #"{"deprecationDate":"2001-01-01"}"#)
            #expect(past.json["notice"] == .string("Old was retired on 2001-01-01; New is used instead."))

            try await db.query(
                """
                INSERT INTO generations (tenant_id, user_id, model_id, source, request)
                VALUES (\(world.acme), \(world.acmeMember.id), \(UUID(uuidString: oldID)!), 'api', '{}')
                """,
                logger: TestDatabase.logger
            )
            let refused = try await client.call(.delete, "/api/v1/models/\(oldID)", as: root)
            #expect(refused.status == .conflict && refused.errorCode == "model_in_use")
            #expect(refused.json["error"]?["message"]?.stringValue?.contains("disable it instead") == true)
            #expect(try await client.call(.patch, "/api/v1/models/\(oldID)", as: root, json: #"{"enabled":false}"#).json["enabled"] == .bool(false))
            #expect(!(try await client.call(.get, "/api/v1/models", as: .key(world.acmeMemberKey)).text.contains(#""Old""#)))
            #expect(try await client.call(.delete, "/api/v1/models/\(successorID)", as: root).status == .noContent)
        }
    }

    @Test func platformModelsCanBeLimitedToSomeTenants() async throws {
        try await withWorld { client, world, _ in
            let root = try await client.login(world.root.email)
            let created = try await client.call(
                .post,
                "/api/v1/models",
                as: root,
                json: #"{"name":"Pro only","apiModel":"gemini-3-pro-image-preview","visibleToAll":false,"tenantIds":["\#(world.globex)"]}"#
            )
            #expect(created.status == .created)
            #expect(try await client.call(.get, "/api/v1/models", as: .key(world.globexMemberKey)).text.contains("Pro only"))
            #expect(!(try await client.call(.get, "/api/v1/models", as: .key(world.acmeMemberKey)).text.contains("Pro only")))
        }
    }

    @Test func testConnectionReportsWhatTheRouteReturned() async throws {
        try await withInProcessSimulator { simulatorURL in
            try await withWorld(configure: {
                $0.geminiBaseURL = simulatorURL
                $0.geminiAPIKey = "sim-key"
            }) { client, world, _ in
                let root = try await client.login(world.root.email)
                let good = try await client.call(
                    .post,
                    "/api/v1/models",
                    as: root,
                    json: #"{"name":"Banana","apiModel":"gemini-3.1-flash-image-preview"}"#
                )
                let goodID = try #require(good.json["id"]?.stringValue)
                let result = try await client.call(.post, "/api/v1/models/\(goodID)/test", as: root)
                #expect(result.status == .ok)
                #expect(result.json["ok"] == .bool(true))
                #expect(result.json["outcome"] == .string("image"))
                #expect(result.json["requestedAspectRatio"] == .string("16:9"))
                #expect(result.json["width"] == .number(688) && result.json["height"] == .number(384))  // 512 px, 16:9
                #expect(result.json["honoredAspectRatio"] == .bool(true))

                // An alternate route with a wrong token: Google's error, reported, not thrown.
                let bad = try await client.call(
                    .post,
                    "/api/v1/models",
                    as: root,
                    json: #"{"name":"Wrong key","apiModel":"gemini-2.5-flash-image","baseUrl":"\#(simulatorURL)","token":"not-the-key"}"#
                )
                let badID = try #require(bad.json["id"]?.stringValue)
                let failed = try await client.call(.post, "/api/v1/models/\(badID)/test", as: root)
                #expect(failed.json["ok"] == .bool(false))
                #expect(failed.json["upstreamStatus"] == .number(403))
                #expect(failed.json["message"]?.stringValue?.contains("API key not valid") == true)

                // A text model: the route answers, but with no image.
                let text = try await client.call(
                    .post,
                    "/api/v1/models",
                    as: root,
                    json: #"{"name":"Not an image model","apiModel":"gemini-0-text"}"#
                )
                let textID = try #require(text.json["id"]?.stringValue)
                let notFound = try await client.call(.post, "/api/v1/models/\(textID)/test", as: root)
                #expect(notFound.json["upstreamStatus"] == .number(404))
            }
        }
    }
}

/// Runs the Gemini simulator in-process on a free port (key `sim-key`).
/// A simulator serving Google's model list of `servedOn` (nil: today's).
func withInProcessSimulator(
    servedOn: String? = SimulatorConfiguration.lastDayOfAllFamilies,
    _ body: @Sendable (String) async throws -> Void
) async throws {
    var logger = Logger(label: "simulator")
    logger.logLevel = .critical
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = buildSimulator(configuration: SimulatorConfiguration(apiKey: "sim-key", servedOn: servedOn), logger: logger) { continuation.yield($0) }
    let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next()!
        do {
            try await body("http://127.0.0.1:\(port)")
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// Collects every log line an application writes, to search them for secrets.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var text: String { lock.withLock { lines.joined(separator: "\n") } }

    func append(_ line: String) { lock.withLock { lines.append(line) } }

    func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "capture") { _ in CaptureHandler(capture: self) }
        logger.logLevel = level
        return logger
    }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            capture.append("\(event.level) \(event.message) \(merged)")
        }
    }
}
