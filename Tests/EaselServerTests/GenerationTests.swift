import AsyncHTTPClient
import EaselCore
import EaselStore
import EaselTestSupport
import Foundation
import Gemini
import GeminiSimulatorKit
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import EaselServer

/// Generations end to end: API → queue → worker → simulator over HTTP → stored outcome.
@Suite struct GenerationTests {
    /// A world with the simulator as the platform's Gemini endpoint and one platform model of
    /// each family; `body` gets the model ids by API model name.
    func withStudio(
        workers: Int = 4,
        _ body: @Sendable (any TestClientProtocol, World, PostgresClient, [String: String]) async throws -> Void
    ) async throws {
        try await withStudioEnvironment(configure: { $0.workers = workers }) { studio in
            try await body(studio.client, studio.world, studio.db, studio.models)
        }
    }

    static let tinyPNG: String = {
        // A 2×1 PNG made by hand: signature, IHDR, IDAT (zlib of two filtered rows), IEND.
        let bytes: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 2, 0, 0, 0, 1, 8, 2, 0, 0, 0,
            0x7B, 0x40, 0xE8, 0xDD, 0, 0, 0, 0x0F, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x08,
            0x00, 0x1F, 0xEE, 0x03, 0xFE, 0x9E, 0x39, 0x4C, 0x6A, 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        return Data(bytes).base64EncodedString()
    }()

    @Test func textToImageIsStoredWithItsImageUsageAndRoute() async throws {
        try await withStudio { client, world, db, models in
            let key = Caller.key(world.acmeMemberKey)
            let response = try await client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: key,
                json:
                    #"{"modelId":"\#(models["gemini-3.1-flash-image-preview"]!)","prompt":"a lighthouse at dusk","aspectRatio":"16:9","imageSize":"512"}"#
            )
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["status"] == .string("succeeded"))
            let image = try #require(response.json["images"]?[0])
            #expect(image["width"] == .number(688) && image["height"] == .number(384))
            #expect(response.json["honoredImageConfig"] == .bool(true))
            #expect(response.json["attempts"] == .number(1))
            #expect(response.json["usage"]?["outputTokens"] != .null)
            #expect(response.json["text"]?.stringValue?.contains("a lighthouse at dusk") == true)

            // The image is served to its tenant, cached by its hash, and to nobody else.
            let url = try #require(image["url"]?.stringValue)
            let bytes = try await client.call(.get, url, as: key)
            // Gemini 3 answers JPEG.
            #expect(bytes.status == .ok && bytes.headers[.contentType] == "image/jpeg")
            #expect(ImageInfo.read(Data(buffer: bytes.body))?.width == 688)
            let etag = try #require(bytes.headers[.eTag])
            var cached = key.headers
            cached[.ifNoneMatch] = etag
            #expect(try await client.execute(uri: url, method: .get, headers: cached).status == .notModified)
            #expect(try await client.call(.get, url, as: .key(world.globexMemberKey)).status == .notFound)

            // What was sent: the model's system instruction and the options as Google names them.
            let stored = try await db.query(
                "SELECT source, api_key_id IS NOT NULL, upstream_host FROM generations",
                logger: TestDatabase.logger
            ).collect().first!.decode((String, Bool, String?).self)
            #expect(stored.0 == "api" && stored.1)
            #expect(stored.2?.hasPrefix("127.0.0.1:") == true)

            // Which host served it is configuration: the tenant's admins see it, the member does not.
            let id = try #require(response.json["id"]?.stringValue)
            #expect(response.json["upstreamHost"] == .null)
            #expect(try await client.call(.get, "/api/v1/generations/\(id)", as: key).json["upstreamHost"] == .null)
            let csv = try await client.call(.get, "/api/v1/usage/generations.csv", as: key).text
            #expect(!csv.contains("127.0.0.1:"))
            let owner = try await client.login(world.acmeOwner.email)
            let seen = try await client.call(.get, "/api/v1/generations/\(id)", as: owner)
            #expect(seen.json["upstreamHost"]?.stringValue == stored.2)
        }
    }

    @Test func anEditSendsItsInputImage() async throws {
        try await withStudio { client, world, _, models in
            let response = try await client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: .key(world.acmeMemberKey),
                json:
                    #"{"modelId":"\#(models["gemini-2.5-flash-image"]!)","prompt":"add a hat","images":[{"mimeType":"image/png","data":"\#(Self.tinyPNG)"}]}"#
            )
            #expect(response.json["status"] == .string("succeeded"), "\(response.text)")
            #expect(response.json["inputImages"]?.arrayValue.count == 1)
            // The simulator counts an input image as Google does: 258 prompt tokens.
            guard case .number(let promptTokens) = response.json["usage"]?["promptTokens"] else {
                Issue.record("no prompt tokens: \(response.text)")
                return
            }
            #expect(promptTokens >= 258)
            // Kept split by modality, as usageMetadata reports it.
            #expect(response.json["usage"]?["promptImageTokens"] == .number(258))
        }
    }

    @Test func aRouteThatDropsTheImageConfigIsNoticed() async throws {
        try await withStudio { client, world, _, models in
            let key = Caller.key(world.acmeMemberKey)
            let model = models["gemini-3.1-flash-image-preview"]!
            // A relay that ignores imageConfig answers 1024×1024 instead of 688×384.
            let dropped = try await client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"[sim:ignore-image-config] a kite","aspectRatio":"16:9","imageSize":"512"}"#
            )
            #expect(dropped.json["images"]?[0]?["width"] == .number(1024))
            #expect(dropped.json["honoredImageConfig"] == .bool(false))
            // Only a size asked for, and honoured: 512 at the default 1:1.
            let sized = try await client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"a kite","imageSize":"512"}"#
            )
            #expect(sized.json["honoredImageConfig"] == .bool(true), "\(sized.text)")
            let wrongSize = try await client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"[sim:ignore-image-config] a kite","imageSize":"2K"}"#
            )
            #expect(wrongSize.json["honoredImageConfig"] == .bool(false))
        }
    }

    @Test func safetyBlocksFailuresAndRetriesEndInTheirStates() async throws {
        try await withStudio { client, world, _, models in
            let key = Caller.key(world.acmeMemberKey)
            let model = models["gemini-2.5-flash-image"]!
            let blocked = try await client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"[sim:image-safety] x"}"#
            )
            #expect(blocked.json["status"] == .string("blocked"))
            #expect(blocked.json["blockReason"] == .string("IMAGE_SAFETY"))
            let flaky = try await client.call(
                .post,
                "/api/v1/generations?wait=60",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"[sim:fail-first=2] \#(UUID())"}"#
            )
            #expect(flaky.json["status"] == .string("succeeded"), "\(flaky.text)")
            #expect(flaky.json["attempts"] == .number(3))
            let refused = try await client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"[sim:status=400] x"}"#
            )
            #expect(refused.json["status"] == .string("failed"))
            #expect(refused.json["error"]?["code"] == .string("INVALID_ARGUMENT"))
        }
    }

    @Test func badInputIsRefusedBeforeAnythingIsStored() async throws {
        try await withStudio { client, world, db, models in
            let key = Caller.key(world.acmeMemberKey)
            let flash = models["gemini-2.5-flash-image"]!
            let gif = Data("GIF89a-not-supported".utf8).base64EncodedString()
            let cases: [(String, Int, String)] = [
                (#"{"modelId":"\#(UUID())","prompt":"x"}"#, 404, "unknown_model"),
                (#"{"modelId":"\#(flash)","prompt":""}"#, 400, "invalid_field"),
                (#"{"modelId":"\#(flash)","prompt":"x","aspectRatio":"7:1"}"#, 400, "invalid_field"),
                (#"{"modelId":"\#(flash)","prompt":"x","imageSize":"4K"}"#, 400, "invalid_field"),
                (#"{"modelId":"\#(flash)","prompt":"x","images":["\#(gif)"]}"#, 415, "unsupported_image"),
                (#"{"modelId":"\#(flash)","prompt":"x","images":[{"mimeType":"image/jpeg","data":"\#(Self.tinyPNG)"}]}"#, 400, "invalid_field"),
                (
                    #"{"modelId":"\#(flash)","prompt":"x","images":["\#(Self.tinyPNG)","\#(Self.tinyPNG)","\#(Self.tinyPNG)","\#(Self.tinyPNG)"]}"#,
                    400, "invalid_field"
                ),
                (#"{"modelId":"\#(flash)","prompt":"x","grounding":true}"#, 400, "invalid_field"),
                (#"{"modelId":"\#(flash)","prompt":"x","images":["\#(String(repeating: "A", count: 21 * 1024 * 1024))"]}"#, 413, "image_too_large"),
            ]
            for (body, status, code) in cases {
                let response = try await client.call(.post, "/api/v1/generations", as: key, json: body)
                #expect(Int(response.status.code) == status, "\(body): \(response.text)")
                #expect(response.errorCode == code, "\(body): \(response.text)")
            }
            let root = try await client.login(world.root.email)
            _ = try await client.call(.patch, "/api/v1/models/\(flash)", as: root, json: #"{"enabled":false}"#)
            let disabled = try await client.call(.post, "/api/v1/generations", as: key, json: #"{"modelId":"\#(flash)","prompt":"x"}"#)
            #expect(disabled.status == .conflict && disabled.errorCode == "model_disabled")
            let count = try await db.query("SELECT count(*)::int FROM generations", logger: TestDatabase.logger).collect().first!.decode(Int.self)
            #expect(count == 0)
        }
    }

    @Test func progressIsStreamedAsServerSentEvents() async throws {
        try await withStudio { client, world, _, models in
            let key = Caller.key(world.acmeMemberKey)
            let created = try await client.call(
                .post,
                "/api/v1/generations",
                as: key,
                json: #"{"modelId":"\#(models["gemini-2.5-flash-image"]!)","prompt":"[sim:latency=700] a slow one"}"#
            )
            let id = try #require(created.json["id"]?.stringValue)
            let stream = try await client.call(.get, "/api/v1/generations/\(id)/events", as: key)
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType] == "text/event-stream")
            let events = stream.text.components(separatedBy: "\n\n").compactMap { block in
                block.split(separator: "\n").first { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            }
            #expect(events.last == "succeeded")
            #expect(events.contains("running"))
            #expect(Set(events).count == events.count)  // one event per status change
            #expect(try await client.call(.get, "/api/v1/generations/\(id)/events", as: .key(world.globexMemberKey)).status == .notFound)
        }
    }

    @Test func historyIsScopedToTheCaller() async throws {
        try await withStudio { client, world, _, models in
            let model = models["gemini-2.5-flash-image"]!
            let member = Caller.key(world.acmeMemberKey)
            let created = try await client.call(.post, "/api/v1/generations?wait=30", as: member, json: #"{"modelId":"\#(model)","prompt":"mine"}"#)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(try await client.call(.get, "/api/v1/generations/\(id)", as: member).status == .ok)
            #expect(try await client.call(.get, "/api/v1/generations/\(id)", as: .key(world.globexMemberKey)).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/generations", as: .key(world.globexMemberKey)).json["items"]?.arrayValue.isEmpty == true)
            let owner = try await client.login(world.acmeOwner.email)
            #expect(try await client.call(.get, "/api/v1/generations", as: owner).json["items"]?.arrayValue.count == 1)
            #expect(try await client.call(.post, "/api/v1/generations/\(id)/cancel", as: member).status == .conflict)
        }
    }

    /// A job whose user canceled it while its instance died is ended canceled, never claimed
    /// and paid for again.
    @Test func aCanceledJobWhoseWorkerDiedIsNotRunAgain() async throws {
        try await withStudioEnvironment(configure: { $0.workers = 1 }) { studio in
            let (world, db) = (studio.world, studio.db)
            let options = String(decoding: try JSONEncoder().encode(GenerationOptions(prompt: "orphan, canceled")), as: UTF8.self)
            let id = try await db.query(
                """
                INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt, status, lease_owner, lease_expires_at,
                                         started_at, cancel_requested)
                VALUES (\(world.acme), \(world.acmeMember.id), \(UUID(uuidString: studio.models["gemini-2.5-flash-image"]!)!), 'api',
                        \(options)::jsonb, 'orphan, canceled', 'running', 'dead-worker', now() - interval '1 minute',
                        now() - interval '2 minutes', true)
                RETURNING id
                """,
                logger: TestDatabase.logger
            ).collect().first!.decode(UUID.self)
            let ended = try await studio.poll(id.uuidString, as: .key(world.acmeMemberKey)) { $0["status"] != .string("running") }
            #expect(ended["status"] == .string("canceled"), "\(ended)")
            #expect(try await studio.upstreamRequests().isEmpty, "a canceled job was sent upstream again")
        }
    }

    @Test func aJobWhoseWorkerDiedIsFinishedOnceByAnother() async throws {
        try await withStudio(workers: 1) { client, world, db, models in
            // A job left running by a worker that vanished: its lease has run out.
            let options = String(decoding: try JSONEncoder().encode(GenerationOptions(prompt: "orphan")), as: UTF8.self)
            let id = try await db.query(
                """
                INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt, status, lease_owner, lease_expires_at, started_at)
                VALUES (\(world.acme), \(world.acmeMember.id), \(UUID(uuidString: models["gemini-2.5-flash-image"]!)!), 'api',
                        \(options)::jsonb, 'orphan', 'running', 'dead-worker', now() - interval '1 minute', now() - interval '2 minutes')
                RETURNING id
                """,
                logger: TestDatabase.logger
            ).collect().first!.decode(UUID.self)
            var status = ""
            for _ in 0..<100 {
                status = try await client.call(.get, "/api/v1/generations/\(id)", as: .key(world.acmeMemberKey)).json["status"]?.stringValue ?? ""
                if status == "succeeded" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == "succeeded")
            let outputs = try await db.query(
                "SELECT count(*)::int FROM generation_images WHERE generation_id = \(id) AND role = 'output'",
                logger: TestDatabase.logger
            ).collect().first!.decode(Int.self)
            #expect(outputs == 1)
        }
    }

    @Test func aStoredRequestThisVersionCannotReadEndsFailedNotClaimedForever() async throws {
        try await withStudio(workers: 1) { client, world, db, models in
            let id = try await db.query(
                """
                INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt)
                VALUES (\(world.acme), \(world.acmeMember.id), \(UUID(uuidString: models["gemini-2.5-flash-image"]!)!), 'api',
                        '{"written": "by another version"}'::jsonb, 'x')
                RETURNING id
                """,
                logger: TestDatabase.logger
            ).collect().first!.decode(UUID.self)
            var json = JSONValue.null
            for _ in 0..<100 {
                json = try await client.call(.get, "/api/v1/generations/\(id)", as: .key(world.acmeMemberKey)).json
                if json["status"] == .string("failed") { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(json["status"] == .string("failed"))
            #expect(json["error"]?["code"] == .string("unreadable_request"))
        }
    }

    @Test func aQueuedGenerationCanBeCanceled() async throws {
        try await withStudioEnvironment { studio in
            let (client, world, db, models) = (studio.client, studio.world, studio.db, studio.models)
            // Hold the workers off: the tenant may run one at once, and the first is held upstream.
            try await db.query("UPDATE tenants SET max_concurrent_generations = 1 WHERE id = \(world.acme)", logger: TestDatabase.logger)
            let key = Caller.key(world.acmeMemberKey)
            let model = models["gemini-2.5-flash-image"]!
            let held = try await client.call(
                .post,
                "/api/v1/generations",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"[sim:hold=first] held"}"#
            )
            #expect(held.status == .accepted)
            let heldID = try #require(held.json["id"]?.stringValue)
            _ = try await studio.poll(heldID, as: key) { $0["status"] == .string("running") }
            let queued = try await client.call(.post, "/api/v1/generations", as: key, json: #"{"modelId":"\#(model)","prompt":"second"}"#)
            let id = try #require(queued.json["id"]?.stringValue)
            let canceled = try await client.call(.post, "/api/v1/generations/\(id)/cancel", as: key)
            #expect(canceled.json["status"] == .string("canceled"), "\(canceled.text)")
            try await studio.release("first")
            let final = try await studio.poll(heldID, as: key) { $0["status"]?.stringValue.map { ["succeeded", "failed"].contains($0) } == true }
            #expect(final["status"] == .string("succeeded"))
            #expect(try await client.call(.get, "/api/v1/generations/\(id)", as: key).json["status"] == .string("canceled"))
            #expect(try await studio.upstreamRequests().count == 1, "the canceled generation was sent upstream")
        }
    }
}

/// Everything a generation test needs: the app, its database, the simulator behind it.
struct Studio: Sendable {
    var client: any TestClientProtocol
    var world: World
    var db: PostgresClient
    /// Model ids by API model name: one platform model per family.
    var models: [String: String]
    var simulatorURL: String

    /// The requests the simulator received, oldest first (long strings shortened).
    func upstreamRequests() async throws -> [JSONValue] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: simulatorURL + "/_sim/requests"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return try JSONDecoder().decode([JSONValue].self, from: Data(buffer: body))
    }

    func release(_ token: String) async throws {
        var request = HTTPClientRequest(url: simulatorURL + "/_sim/release/\(token)")
        request.method = .POST
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    }

    /// Polls a generation until `done` holds for it (or about ten seconds pass).
    func poll(_ id: String, as caller: Caller, until done: (JSONValue) -> Bool) async throws -> JSONValue {
        var last = JSONValue.null
        for _ in 0..<200 {
            last = try await client.call(.get, "/api/v1/generations/\(id)", as: caller).json
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        return last
    }
}

func withStudioEnvironment(
    configure: @escaping @Sendable (inout AppConfiguration) -> Void = { _ in },
    drain: ShutdownDrain? = nil,
    simulatorServedOn: String? = SimulatorConfiguration.lastDayOfAllFamilies,
    _ body: @Sendable (Studio) async throws -> Void
) async throws {
    try await withInProcessSimulator(servedOn: simulatorServedOn) { simulatorURL in
        try await withWorld(
            configure: {
                $0.geminiBaseURL = simulatorURL
                $0.geminiAPIKey = "sim-key"
                $0.workers = 4
                configure(&$0)
            },
            drain: drain
        ) { client, world, db in
            let root = try await client.login(world.root.email)
            var ids: [String: String] = [:]
            for model in ["gemini-2.5-flash-image", "gemini-3.1-flash-image-preview", "gemini-3-pro-image-preview"] {
                let created = try await client.call(
                    .post,
                    "/api/v1/models",
                    as: root,
                    json: #"{"name":"\#(model)","apiModel":"\#(model)","systemInstruction":"Always draw in watercolour."}"#
                )
                ids[model] = try #require(created.json["id"]?.stringValue)
            }
            try await body(Studio(client: client, world: world, db: db, models: ids, simulatorURL: simulatorURL))
        }
    }
}
