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

/// The Gemini-compatible routes at the wire level: what Google's SDKs send (snake_case, URL-safe
/// base64, fields Easel does not model) goes upstream faithfully, with the config's system
/// instruction first; every failure is Google's error shape.
@Suite struct GeminiEndpointTests {
    func post(_ studio: Studio, _ path: String, key: String?, json: String) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[HTTPField.Name("x-goog-api-key")!] = key }
        return try await studio.client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    @Test func aRequestIsForwardedFaithfullyWithTheConfigsInstructionFirst() async throws {
        try await withStudioEnvironment { studio in
            // Snake_case names, URL-safe base64 (the tiny PNG has '+' and '/' in standard base64),
            // and a field Easel does not model.
            let urlSafe = GenerationTests.tinyPNG.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            let body = """
                {"contents":[{"role":"user","parts":[{"text":"add a hat"},{"inline_data":{"mime_type":"image/png","data":"\(urlSafe)"}}]}],
                 "system_instruction":{"parts":[{"text":"Keep it simple."}]},
                 "generation_config":{"response_modalities":["IMAGE"],"image_config":{"aspect_ratio":"1:1"},"futureKnob":7},
                 "labels":{"team":"design"}}
                """
            let response = try await post(
                studio,
                "/v1beta/models/gemini-2.5-flash-image:generateContent",
                key: studio.world.acmeMemberKey,
                json: body
            )
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["candidates"]?[0]?["content"]?["parts"]?.arrayValue.contains { $0["inlineData"] != nil } == true)
            #expect(response.json["usageMetadata"]?["totalTokenCount"] != nil && response.json["modelVersion"] != nil)

            let sent = try #require(try await studio.upstreamRequests().last?["body"])
            #expect(
                sent["systemInstruction"]?["parts"]?.arrayValue.compactMap { $0["text"]?.stringValue } == [
                    "Always draw in watercolour.", "Keep it simple.",
                ]
            )
            #expect(sent["generationConfig"]?["imageConfig"]?["aspectRatio"] == .string("1:1"))
            #expect(sent["generationConfig"]?["futureKnob"] == .number(7))
            #expect(sent["labels"]?["team"] == .string("design"))
            #expect(sent["contents"]?[0]?["parts"]?[1]?["inlineData"]?["mimeType"] == .string("image/png"))

            let stored = try await studio.db.query(
                "SELECT source, status, conversation_id IS NULL, image_count FROM generations",
                logger: TestDatabase.logger
            ).collect().first!.decode((String, String, Bool, Int).self)
            #expect(stored.0 == "api" && stored.1 == "succeeded" && stored.2 && stored.3 == 1)
        }
    }

    @Test func everyFailureIsGooglesErrorShape() async throws {
        try await withStudioEnvironment { studio in
            let key = studio.world.acmeMemberKey
            let cases: [(String, String?, String, Int, String)] = [
                ("/v1beta/models/gemini-2.5-flash-image:generateContent", nil, #"{"contents":[{"parts":[{"text":"x"}]}]}"#, 403, "PERMISSION_DENIED"),
                (
                    "/v1beta/models/gemini-2.5-flash-image:generateContent", "esl_not-a-key", #"{"contents":[{"parts":[{"text":"x"}]}]}"#, 400,
                    "INVALID_ARGUMENT"
                ),
                ("/v1beta/models/nope:generateContent", key, #"{"contents":[{"parts":[{"text":"x"}]}]}"#, 404, "NOT_FOUND"),
                ("/v1beta/models/gemini-2.5-flash-image:generateContent", key, #"{"contents": "#, 400, "INVALID_ARGUMENT"),
                ("/v1beta/models/gemini-2.5-flash-image:generateContent", key, #"{"contents":[]}"#, 400, "INVALID_ARGUMENT"),
                ("/v1beta/models/gemini-2.5-flash-image:embedContent", key, #"{"contents":[{"parts":[{"text":"x"}]}]}"#, 404, "NOT_FOUND"),
                // PostgreSQL cannot store a NUL; it used to reach the database and come back a 500.
                (
                    "/v1beta/models/gemini-2.5-flash-image:generateContent", key, #"{"contents":[{"parts":[{"text":"a\u0000b"}]}]}"#, 400,
                    "INVALID_ARGUMENT"
                ),
                // Google's own refusal comes back as Google sent it.
                (
                    "/v1beta/models/gemini-2.5-flash-image:generateContent", key, #"{"contents":[{"parts":[{"text":"[sim:status=400] x"}]}]}"#, 400,
                    "INVALID_ARGUMENT"
                ),
            ]
            for (path, key, body, code, status) in cases {
                let response = try await post(studio, path, key: key, json: body)
                #expect(Int(response.status.code) == code, "\(path) \(body): \(response.text)")
                #expect(response.json["error"]?["code"] == .number(Double(code)))
                #expect(response.json["error"]?["status"] == .string(status), "\(response.text)")
                #expect(response.json["error"]?["message"]?.stringValue?.isEmpty == false)
            }
            // A disabled config is not found either.
            let root = try await studio.client.login(studio.world.root.email)
            _ = try await studio.client.call(
                .patch,
                "/api/v1/models/\(studio.models["gemini-2.5-flash-image"]!)",
                as: root,
                json: #"{"enabled":false}"#
            )
            let disabled = try await post(
                studio,
                "/v1beta/models/gemini-2.5-flash-image:generateContent",
                key: key,
                json: #"{"contents":[{"parts":[{"text":"x"}]}]}"#
            )
            #expect(disabled.status == .notFound && disabled.json["error"]?["message"]?.stringValue?.contains("disabled") == true)
        }
    }

    /// Gemini 3 Pro Image with `includeThoughts` sends its interim images as thoughts: the client
    /// gets them as sent, and the generation stores only the final image.
    @Test func interimThoughtImagesReachTheClientButAreNotStored() async throws {
        try await withStudioEnvironment { studio in
            let response = try await post(
                studio,
                "/v1beta/models/gemini-3-pro-image-preview:generateContent",
                key: studio.world.acmeMemberKey,
                json: #"{"contents":[{"parts":[{"text":"a lighthouse at dusk"}]}],"generationConfig":{"thinkingConfig":{"includeThoughts":true}}}"#
            )
            #expect(response.status == .ok, "\(response.text)")
            let answer = try JSONDecoder().decode(GenerateContentResponse.self, from: Data(response.text.utf8))
            let thoughtImages = answer.images.filter(\.isThought)
            #expect(thoughtImages.count == 2 && answer.finalImages.count == 1, "\(answer.images.map(\.isThought))")
            #expect(thoughtImages.allSatisfy { $0.thoughtSignature == nil } && answer.finalImages[0].thoughtSignature != nil)
            let final = try #require(answer.finalImages.first)
            let stored = try await studio.db.query(
                """
                SELECT g.image_count, i.data FROM generations g
                JOIN generation_images gi ON gi.generation_id = g.id AND gi.role = 'output' JOIN images i ON i.id = gi.image_id
                """,
                logger: TestDatabase.logger
            ).collect()
            #expect(stored.count == 1)
            let (count, bytes) = try #require(stored.first).decode((Int, ByteBuffer).self)
            #expect(count == 1 && Data(buffer: bytes) == final.data, "the stored image is not the final one")
        }
    }

    @Test func streamingPassesChunksAndTheKeyMayBeAQueryParameter() async throws {
        try await withStudioEnvironment { studio in
            let response = try await post(
                studio,
                "/v1/models/gemini-3.1-flash-image-preview:streamGenerateContent?alt=sse&key=\(studio.world.acmeMemberKey)",
                key: nil,
                json: #"{"contents":[{"role":"user","parts":[{"text":"a streamed kite"}]}],"generationConfig":{"imageConfig":{"imageSize":"512"}}}"#
            )
            #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
            let events = response.text.components(separatedBy: "\r\n\r\n").filter { $0.hasPrefix("data: ") }
            #expect(events.count >= 2)
            let chunks = events.compactMap { try? JSONDecoder().decode(GenerateContentResponse.self, from: Data($0.dropFirst(6).utf8)) }
            #expect(chunks.count == events.count)
            #expect(GenerateContentResponse.merge(chunks).finalImages.count == 1)
            var status = ""
            for _ in 0..<50 {
                status =
                    try await studio.db.query("SELECT status FROM generations", logger: TestDatabase.logger).collect().first?.decode(String.self)
                    ?? ""
                if status == "succeeded" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == "succeeded")
        }
    }

    /// `countTokens` goes to the config's route with the config's system instruction in front,
    /// so it counts what the real call's `promptTokenCount` says, and is not a generation.
    @Test func countTokensCountsWhatTheCallSendsAndStoresNothing() async throws {
        try await withStudioEnvironment { studio in
            let contents =
                #"[{"parts":[{"text":"count these words please"},{"inline_data":{"mime_type":"image/png","data":"\#(GenerationTests.tinyPNG)"}}]}]"#
            let body = #"{"contents":\#(contents)}"#
            let response = try await post(
                studio,
                "/v1beta/models/gemini-3-pro-image-preview:countTokens",
                key: studio.world.acmeMemberKey,
                json: body
            )
            #expect(response.status == .ok, "\(response.text)")
            let sent = try #require(try await studio.upstreamRequests().last)
            // The shut-down preview id is counted by its successor, as it is called.
            #expect(sent["method"] == .string("countTokens") && sent["model"] == .string("gemini-3-pro-image"))
            let wrapped = try #require(sent["body"]?["generateContentRequest"], "\(sent)")
            #expect(wrapped["model"] == .string("models/gemini-3-pro-image"))
            #expect(wrapped["contents"]?[0]?["parts"]?[0]?["text"] == .string("count these words please"))
            #expect(wrapped["systemInstruction"]?["parts"]?[0]?["text"] == .string("Always draw in watercolour."))
            // The real call with the same contents is billed for as many prompt tokens.
            let call = try await post(
                studio,
                "/v1beta/models/gemini-3-pro-image-preview:generateContent",
                key: studio.world.acmeMemberKey,
                json: #"{"contents":\#(contents)}"#
            )
            #expect(call.status == .ok, "\(call.text)")
            let billed = try #require(call.json["usageMetadata"]?["promptTokenCount"])
            #expect(response.json["totalTokens"] == billed, "\(response.text) against \(billed)")
            // A client's own generateContentRequest keeps its instruction, after the config's.
            let own = try await post(
                studio,
                "/v1beta/models/gemini-3-pro-image-preview:countTokens",
                key: studio.world.acmeMemberKey,
                json:
                    #"{"generateContentRequest":{"model":"models/gemini-3-pro-image","contents":\#(contents),"systemInstruction":{"parts":[{"text":"Mine."}]}}}"#
            )
            #expect(own.status == .ok, "\(own.text)")
            let ownSent = try #require(try await studio.upstreamRequests().last?["body"]?["generateContentRequest"])
            #expect(
                ownSent["systemInstruction"]?["parts"]?.arrayValue.compactMap { $0["text"]?.stringValue } == [
                    "Always draw in watercolour.", "Mine.",
                ]
            )
            let generations = try await studio.db.query("SELECT count(*)::int FROM generations", logger: TestDatabase.logger).collect().first!
                .decode(Int.self)
            #expect(generations == 1, "only the generateContent call is a generation")
            let unknown = try await post(studio, "/v1beta/models/nope:countTokens", key: studio.world.acmeMemberKey, json: body)
            #expect(unknown.status == .notFound && unknown.json["error"]?["status"] == .string("NOT_FOUND"))
        }
    }

    @Test func modelsAreListedForTheKeysTenant() async throws {
        try await withStudioEnvironment { studio in
            let response = try await studio.client.execute(
                uri: "/v1beta/models",
                method: .get,
                headers: [HTTPField.Name("x-goog-api-key")!: studio.world.acmeMemberKey]
            )
            let names = response.json["models"]?.arrayValue.compactMap { $0["name"]?.stringValue } ?? []
            #expect(Set(names) == ["models/gemini-2.5-flash-image", "models/gemini-3.1-flash-image-preview", "models/gemini-3-pro-image-preview"])
            let one = try await studio.client.execute(
                uri: "/v1beta/models/gemini-3-pro-image-preview",
                method: .get,
                headers: [HTTPField.Name("x-goog-api-key")!: studio.world.acmeMemberKey]
            )
            #expect(one.json["displayName"] == .string("gemini-3-pro-image-preview"))
            let missing = try await studio.client.execute(uri: "/v1beta/models", method: .get)
            #expect(missing.status == .forbidden && missing.json["error"]?["status"] == .string("PERMISSION_DENIED"))
        }
    }
}

/// What the compatible routes share with the JSON API because both go through one admission
/// path and one upstream caller.
@Suite struct GeminiEndpointAdmissionTests {
    func post(_ studio: Studio, _ path: String, json: String) async throws -> TestResponse {
        let headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("x-goog-api-key")!: studio.world.acmeMemberKey]
        return try await studio.client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func generations(_ studio: Studio) async throws -> [(prompt: String, status: String, started: Date?, finished: Date?)] {
        try await studio.db.query(
            "SELECT prompt, status, started_at, finished_at FROM generations ORDER BY created_at",
            logger: TestDatabase.logger
        ).collect().map { try $0.decode((String, String, Date?, Date?).self) }.map { ($0.0, $0.1, $0.2, $0.3) }
    }

    static let model = "/v1beta/models/gemini-2.5-flash-image"

    /// Runs `body` while a streamed call of acme is held upstream (`[sim:hold=token]`), with
    /// the group the calls `body` starts go into; then releases the held call and expects every
    /// call to have been answered 200.
    func whileACallIsHeld(
        _ studio: Studio,
        token: String,
        _ body: (inout ThrowingTaskGroup<TestResponse, any Error>) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: TestResponse.self) { group in
            group.addTask {
                try await post(
                    studio,
                    Self.model + ":streamGenerateContent?alt=sse",
                    json: #"{"contents":[{"parts":[{"text":"[sim:hold=\#(token)] held"}]}]}"#
                )
            }
            while try await studio.upstreamRequests().isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            try await body(&group)
            try await studio.release(token)
            for try await response in group { #expect(response.status == .ok, "\(response.text)") }
        }
    }

    /// A tenant allowed one generation at a time gets one at a time on this route too: the
    /// second call waits (stored `queued`) until the first has ended, and then runs.
    @Test func theCompatibleRouteWaitsForTheTenantsConcurrencyLimit() async throws {
        try await withStudioEnvironment { studio in
            try await studio.db.query(
                "UPDATE tenants SET max_concurrent_generations = 1 WHERE id = \(studio.world.acme)",
                logger: TestDatabase.logger
            )
            try await whileACallIsHeld(studio, token: "first") { group in
                group.addTask { try await post(studio, Self.model + ":generateContent", json: #"{"contents":[{"parts":[{"text":"second"}]}]}"#) }
                // The second is admitted and stored before the first ends...
                while try await generations(studio).count < 2 { try await Task.sleep(for: .milliseconds(20)) }
                let waiting = try await generations(studio)
                #expect(waiting[1].status == "queued", "\(waiting)")
                #expect(try await studio.upstreamRequests().count == 1)
            }
            // ...and starts only after the first has ended.
            let rows = try await generations(studio)
            #expect(rows.map(\.status) == ["succeeded", "succeeded"])
            let firstEnded = try #require(rows[0].finished)
            let secondStarted = try #require(rows[1].started)
            #expect(secondStarted >= firstEnded, "the second call ran beside the first")
        }
    }

    /// Transactions the test database has committed so far (PostgreSQL's statistics, flushed by
    /// each backend at most once a second, so a count is, if anything, behind).
    func commits(_ studio: Studio) async throws -> Int {
        try await studio.db.query(
            "SELECT xact_commit::int FROM pg_stat_database WHERE datname = current_database()",
            logger: TestDatabase.logger
        ).collect().first!.decode(Int.self)
    }

    /// Waiting costs the database next to nothing: an idle instance, and a call waiting for its
    /// tenant's slot, poll (twice a second) instead of retrying as fast as the database answers.
    /// The bounds are generous by hundreds: a slower machine only makes fewer queries.
    @Test func waitingDoesNotSpinOnTheDatabase() async throws {
        try await withStudioEnvironment { studio in
            try await studio.db.query(
                "UPDATE tenants SET max_concurrent_generations = 1 WHERE id = \(studio.world.acme)",
                logger: TestDatabase.logger
            )
            let idleFrom = try await commits(studio)
            try await Task.sleep(for: .seconds(3))
            let idle = try await commits(studio) - idleFrom
            #expect(idle < 100, "an idle instance committed \(idle) transactions in 3 s")
            try await whileACallIsHeld(studio, token: "slow") { group in
                group.addTask { try await post(studio, Self.model + ":generateContent", json: #"{"contents":[{"parts":[{"text":"patient"}]}]}"#) }
                while try await generations(studio).count < 2 { try await Task.sleep(for: .milliseconds(20)) }
                let waitingFrom = try await commits(studio)
                try await Task.sleep(for: .seconds(3))
                let waiting = try await commits(studio) - waitingFrom
                #expect(waiting < 100, "a call waiting for its tenant's slot committed \(waiting) transactions in 3 s")
            }
        }
    }

    /// Two calls waiting for the one slot of their tenant are woken together when it frees; only
    /// one may start, the other after it has ended (the count is taken under a tenant lock).
    @Test func waitersWokenTogetherStartOneAtATime() async throws {
        try await withStudioEnvironment { studio in
            try await studio.db.query(
                "UPDATE tenants SET max_concurrent_generations = 1 WHERE id = \(studio.world.acme)",
                logger: TestDatabase.logger
            )
            try await whileACallIsHeld(studio, token: "gate") { group in
                for name in ["b", "c"] {
                    group.addTask {
                        try await post(
                            studio,
                            Self.model + ":generateContent",
                            json: #"{"contents":[{"parts":[{"text":"[sim:latency=300] \#(name)"}]}]}"#
                        )
                    }
                }
                while try await generations(studio).count < 3 { try await Task.sleep(for: .milliseconds(20)) }
            }
            let rows = try await generations(studio)
            #expect(rows.map(\.status) == ["succeeded", "succeeded", "succeeded"])
            let (b, c) = (rows[1], rows[2])
            let apart = try #require(b.started) >= (try #require(c.finished)) || (try #require(c.started)) >= (try #require(b.finished))
            #expect(apart, "both waiters ran at once: \(rows)")
        }
    }

    /// With a queue bound of none, the call past the limit is refused, as the JSON API's is.
    @Test func theCompatibleRouteIsRefusedPastTheTenantsQueue() async throws {
        try await withStudioEnvironment { studio in
            try await studio.db.query(
                "UPDATE tenants SET max_concurrent_generations = 1, max_queued_generations = 0 WHERE id = \(studio.world.acme)",
                logger: TestDatabase.logger
            )
            try await whileACallIsHeld(studio, token: "only") { _ in
                let refused = try await post(studio, Self.model + ":generateContent", json: #"{"contents":[{"parts":[{"text":"one too many"}]}]}"#)
                #expect(refused.status == .tooManyRequests && refused.json["error"]?["status"] == .string("RESOURCE_EXHAUSTED"), "\(refused.text)")
                #expect(refused.headers[.retryAfter] != nil)
                let json = try await studio.client.call(
                    .post,
                    "/api/v1/generations",
                    as: .key(studio.world.acmeMemberKey),
                    json: #"{"modelId":"\#(studio.models["gemini-2.5-flash-image"]!)","prompt":"also too many"}"#
                )
                #expect(json.status == .tooManyRequests && json.json["error"]?["code"] == .string("concurrency_limit_exceeded"))
            }
            #expect(try await generations(studio).map(\.status) == ["succeeded"])
        }
    }

    /// A tenant's base URL that resolved to a public address when saved and to loopback now is
    /// refused when called, on the JSON API and the compatible route alike; nothing is sent.
    @Test func aTenantModelWhoseHostNowResolvesPrivatelyIsRefusedAtCallTime() async throws {
        let resolver = FakeHostResolver()
        try await withStudioEnvironment(configure: { $0.hostResolver = resolver }) { studio in
            let port = try #require(URLComponents(string: studio.simulatorURL)?.port)
            resolver.set("relay.test", to: ["8.8.8.8"])
            let owner = try await studio.client.login(studio.world.acmeOwner.email)
            let created = try await studio.client.call(
                .post,
                "/api/v1/models",
                as: owner,
                json: #"{"name":"Own relay","apiModel":"gemini-2.5-flash-image","baseUrl":"http://relay.test:\#(port)","token":"sim-key"}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let modelID = try #require(created.json["id"]?.stringValue)
            resolver.set("relay.test", to: ["127.0.0.1"])

            let json = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: .key(studio.world.acmeMemberKey),
                json: #"{"modelId":"\#(modelID)","prompt":"via my relay"}"#
            )
            #expect(json.json["status"] == .string("failed"), "\(json.text)")
            #expect(json.json["error"]?["code"] == .string("upstream_address_refused"))
            #expect(json.json["error"]?["message"]?.stringValue?.contains("127.0.0.1") == true, "\(json.text)")

            let compat = try await post(
                studio,
                "/v1beta/models/Own%20relay:generateContent",
                json: #"{"contents":[{"parts":[{"text":"via my relay"}]}]}"#
            )
            #expect(compat.status == .forbidden && compat.json["error"]?["status"] == .string("PERMISSION_DENIED"), "\(compat.text)")
            #expect(try await generations(studio).map(\.status) == ["failed", "failed"])
            #expect(try await studio.upstreamRequests().isEmpty, "a refused call reached the upstream")
        }
    }

    /// A tenant's own model without a token of its own is never sent with the platform's key.
    @Test func aTenantModelNeverSpendsThePlatformKey() async throws {
        try await withStudioEnvironment { studio in
            let owner = try await studio.client.login(studio.world.acmeOwner.email)
            let created = try await studio.client.call(
                .post,
                "/api/v1/models",
                as: owner,
                json: #"{"name":"Nobody offered this","apiModel":"gemini-2.5-flash-image"}"#
            )
            let modelID = try #require(created.json["id"]?.stringValue)
            let json = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: .key(studio.world.acmeMemberKey),
                json: #"{"modelId":"\#(modelID)","prompt":"on the house"}"#
            )
            #expect(json.json["error"]?["code"] == .string("no_upstream_credentials"), "\(json.text)")
            let compat = try await post(
                studio,
                "/v1beta/models/Nobody%20offered%20this:generateContent",
                json: #"{"contents":[{"parts":[{"text":"x"}]}]}"#
            )
            #expect(compat.status == .forbidden, "\(compat.text)")
            #expect(try await studio.upstreamRequests().isEmpty, "the platform key was spent on a tenant's model")
        }
    }
}
