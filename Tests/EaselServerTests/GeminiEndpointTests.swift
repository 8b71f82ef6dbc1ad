@testable import EaselServer
import EaselStore
import EaselTestSupport
import Foundation
import Gemini
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

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
            let response = try await post(studio, "/v1beta/models/gemini-2.5-flash-image:generateContent", key: studio.world.acmeMemberKey, json: body)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["candidates"]?[0]?["content"]?["parts"]?.arrayValue.contains { $0["inlineData"] != nil } == true)
            #expect(response.json["usageMetadata"]?["totalTokenCount"] != nil && response.json["modelVersion"] != nil)

            let sent = try #require(try await studio.upstreamRequests().last?["body"])
            #expect(sent["systemInstruction"]?["parts"]?.arrayValue.compactMap { $0["text"]?.stringValue } == ["Always draw in watercolour.", "Keep it simple."])
            #expect(sent["generationConfig"]?["imageConfig"]?["aspectRatio"] == .string("1:1"))
            #expect(sent["generationConfig"]?["futureKnob"] == .number(7))
            #expect(sent["labels"]?["team"] == .string("design"))
            #expect(sent["contents"]?[0]?["parts"]?[1]?["inlineData"]?["mimeType"] == .string("image/png"))

            let stored = try await studio.db.query(
                "SELECT source, status, conversation_id IS NULL, image_count FROM generations", logger: TestDatabase.logger
            ).collect().first!.decode((String, String, Bool, Int).self)
            #expect(stored.0 == "api" && stored.1 == "succeeded" && stored.2 && stored.3 == 1)
        }
    }

    @Test func everyFailureIsGooglesErrorShape() async throws {
        try await withStudioEnvironment { studio in
            let key = studio.world.acmeMemberKey
            let cases: [(String, String?, String, Int, String)] = [
                ("/v1beta/models/gemini-2.5-flash-image:generateContent", nil, #"{"contents":[{"parts":[{"text":"x"}]}]}"#, 403, "PERMISSION_DENIED"),
                ("/v1beta/models/gemini-2.5-flash-image:generateContent", "esl_not-a-key", #"{"contents":[{"parts":[{"text":"x"}]}]}"#, 400, "INVALID_ARGUMENT"),
                ("/v1beta/models/nope:generateContent", key, #"{"contents":[{"parts":[{"text":"x"}]}]}"#, 404, "NOT_FOUND"),
                ("/v1beta/models/gemini-2.5-flash-image:generateContent", key, #"{"contents": "#, 400, "INVALID_ARGUMENT"),
                ("/v1beta/models/gemini-2.5-flash-image:generateContent", key, #"{"contents":[]}"#, 400, "INVALID_ARGUMENT"),
                ("/v1beta/models/gemini-2.5-flash-image:countTokens", key, #"{"contents":[{"parts":[{"text":"x"}]}]}"#, 404, "NOT_FOUND"),
                // Google's own refusal comes back as Google sent it.
                ("/v1beta/models/gemini-2.5-flash-image:generateContent", key, #"{"contents":[{"parts":[{"text":"[sim:status=400] x"}]}]}"#, 400, "INVALID_ARGUMENT"),
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
            _ = try await studio.client.call(.patch, "/api/v1/models/\(studio.models["gemini-2.5-flash-image"]!)", as: root, json: #"{"enabled":false}"#)
            let disabled = try await post(studio, "/v1beta/models/gemini-2.5-flash-image:generateContent", key: key, json: #"{"contents":[{"parts":[{"text":"x"}]}]}"#)
            #expect(disabled.status == .notFound && disabled.json["error"]?["message"]?.stringValue?.contains("disabled") == true)
        }
    }

    @Test func streamingPassesChunksAndTheKeyMayBeAQueryParameter() async throws {
        try await withStudioEnvironment { studio in
            let response = try await post(
                studio, "/v1/models/gemini-3.1-flash-image-preview:streamGenerateContent?alt=sse&key=\(studio.world.acmeMemberKey)", key: nil,
                json: #"{"contents":[{"role":"user","parts":[{"text":"a streamed kite"}]}],"generationConfig":{"imageConfig":{"imageSize":"512"}}}"#)
            #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
            let events = response.text.components(separatedBy: "\r\n\r\n").filter { $0.hasPrefix("data: ") }
            #expect(events.count >= 2)
            let chunks = events.compactMap { try? JSONDecoder().decode(GenerateContentResponse.self, from: Data($0.dropFirst(6).utf8)) }
            #expect(chunks.count == events.count)
            #expect(GenerateContentResponse.merge(chunks).finalImages.count == 1)
            var status = ""
            for _ in 0..<50 {
                status = try await studio.db.query("SELECT status FROM generations", logger: TestDatabase.logger).collect().first?.decode(String.self) ?? ""
                if status == "succeeded" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == "succeeded")
        }
    }

    @Test func modelsAreListedForTheKeysTenant() async throws {
        try await withStudioEnvironment { studio in
            let response = try await studio.client.execute(
                uri: "/v1beta/models", method: .get, headers: [HTTPField.Name("x-goog-api-key")!: studio.world.acmeMemberKey])
            let names = response.json["models"]?.arrayValue.compactMap { $0["name"]?.stringValue } ?? []
            #expect(Set(names) == ["models/gemini-2.5-flash-image", "models/gemini-3.1-flash-image-preview", "models/gemini-3-pro-image-preview"])
            let one = try await studio.client.execute(
                uri: "/v1beta/models/gemini-3-pro-image-preview", method: .get, headers: [HTTPField.Name("x-goog-api-key")!: studio.world.acmeMemberKey])
            #expect(one.json["displayName"] == .string("gemini-3-pro-image-preview"))
            let missing = try await studio.client.execute(uri: "/v1beta/models", method: .get)
            #expect(missing.status == .forbidden && missing.json["error"]?["status"] == .string("PERMISSION_DENIED"))
        }
    }
}
