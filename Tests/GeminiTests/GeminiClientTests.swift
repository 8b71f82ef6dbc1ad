import AsyncHTTPClient
import Foundation
import Gemini
import GeminiSimulatorKit
import Testing

/// The client against the simulator, over real HTTP on loopback.
@Suite struct GeminiClientTests {
    @Test func textToImageReturnsAnImageOfTheRequestedShape() async throws {
        try await withSimulator { endpoint, _ in
            let result = try await client.generateContent(
                model: "gemini-2.5-flash-image",
                request: imageRequest("a lighthouse", aspectRatio: "16:9"),
                endpoint: endpoint
            )
            let image = try #require(result.response.finalImages.first)
            #expect(image.mimeType == "image/png")
            #expect(image.width == 1344 && image.height == 768)
            #expect(ImageInfo.read(image.data)?.format == .png)
            #expect(image.thoughtSignature == nil)  // 2.5 Flash Image does not sign
            #expect(result.response.outcome == .images)
            #expect(result.response.usageMetadata?.candidatesTokensDetails?.contains(ModalityTokenCount(modality: .image, tokenCount: 1290)) == true)
            #expect(result.response.modelVersion == "gemini-2.5-flash-image")
            #expect(result.attempts.count == 1)
            #expect(result.attempts[0].statusCode == 200 && result.attempts[0].succeeded)
            #expect(result.attempts[0].host == endpoint.host)
        }
    }

    /// Google answers an id it no longer serves with 404 NOT_FOUND, and lists only what it serves.
    @Test func aShutDownModelIsGooglesNotFound() async throws {
        try await withSimulator(servedOn: "2026-12-03") { endpoint, _ in
            for retired in ["gemini-2.5-flash-image", "gemini-3-pro-image-preview", "gemini-3.1-flash-image-preview"] {
                let error = await #expect(throws: GeminiError.self) {
                    try await client.generateContent(model: retired, request: imageRequest("x"), endpoint: endpoint, options: .init(retry: fastRetry))
                }
                guard case .api(let code, let status, _) = error?.kind else {
                    Issue.record("\(retired): \(String(describing: error))")
                    continue
                }
                #expect(code == 404 && status == "NOT_FOUND", "\(retired)")
                #expect(error?.attempts.count == 1, "a 404 is not retried")
            }
            let served = try await client.generateContent(model: "gemini-3-pro-image", request: imageRequest("x"), endpoint: endpoint)
            #expect(served.response.finalImages.count == 1)
            var list = HTTPClientRequest(url: endpoint.baseURL + "/v1beta/models")
            list.headers.add(name: "x-goog-api-key", value: endpoint.apiKey ?? "")
            let body = try await sharedHTTPClient.execute(list, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
            let names = try JSONDecoder().decode(JSONValue.self, from: body)["models"]?.arrayValue.compactMap { $0["name"]?.stringValue }
            #expect(names == ["models/gemini-3-pro-image", "models/gemini-3.1-flash-image", "models/gemini-3.1-flash-lite-image"])
        }
        // The day before its shutdown, 2.5 is still served.
        try await withSimulator(servedOn: "2026-10-01") { endpoint, _ in
            let result = try await client.generateContent(model: "gemini-2.5-flash-image", request: imageRequest("x"), endpoint: endpoint)
            #expect(result.response.finalImages.count == 1)
        }
    }

    @Test(arguments: [
        ("gemini-3.1-flash-image", "21:9", "512", 792, 168),
        ("gemini-3.1-flash-image", "1:8", "1K", 384, 3072),
        ("gemini-3-pro-image", "4:5", "2K", 1856, 2304),
    ])
    func gemini3SizesFollowGooglesTable(model: String, ratio: String, size: String, width: Int, height: Int) async throws {
        try await withSimulator { endpoint, _ in
            let result = try await client.generateContent(
                model: model,
                request: imageRequest("sizes", aspectRatio: ratio, imageSize: size),
                endpoint: endpoint
            )
            let image = try #require(result.response.finalImages.first)
            #expect(image.width == width && image.height == height)
            #expect(image.thoughtSignature != nil)
        }
    }

    @Test func theRequestReachesTheWireAsGoogleNamesIt() async throws {
        try await withSimulator { endpoint, state in
            let request = GenerateContentRequest(
                contents: [.user(.text("wire check"), .image(Data([0x89, 0x50, 0x4E, 0x47]), mimeType: "image/png"))],
                systemInstruction: Content(parts: [.text("system words")]),
                generationConfig: GenerationConfig(
                    responseModalities: [.text, .image],
                    imageConfig: ImageConfig(aspectRatio: "3:2", imageSize: "1K"),
                    thinkingConfig: ThinkingConfig(thinkingLevel: "high", includeThoughts: true),
                    temperature: 0.4
                ),
                tools: [Tool(googleSearch: GoogleSearch(searchTypes: SearchTypes(webSearch: true, imageSearch: true)))],
                safetySettings: [SafetySetting(category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE")]
            )
            let result = try await client.generateContent(model: "gemini-3.1-flash-image", request: request, endpoint: endpoint)
            #expect(result.response.thoughtText.isEmpty == false)  // includeThoughts honoured

            let recorded = try #require(state.requests.last)
            #expect(recorded.apiKeyHeader == "test-key")
            #expect(recorded.model == "gemini-3.1-flash-image" && recorded.method == "generateContent")
            let body = recorded.body
            #expect(body["systemInstruction"]?["parts"] != nil)
            #expect(body["generationConfig"]?["imageConfig"]?["aspectRatio"] == .string("3:2"))
            #expect(body["generationConfig"]?["thinkingConfig"]?["includeThoughts"] == .bool(true))
            #expect(body["generationConfig"]?["responseModalities"] == .array([.string("TEXT"), .string("IMAGE")]))
            #expect(body["tools"] != nil && body["safetySettings"] != nil)
            #expect(body["contents"]?[0]?["parts"]?[1]?["inlineData"]?["mimeType"] == .string("image/png"))
        }
    }

    @Test func multiTurnEditingReplaysThoughtSignatures() async throws {
        try await withSimulator { endpoint, _ in
            let model = "gemini-3-pro-image"
            let first = try await client.generateContent(model: model, request: imageRequest("a red car"), endpoint: endpoint)
            let modelTurn = try #require(first.response.candidates.first?.content)
            let followUp = GenerateContentRequest(contents: [.user(.text("a red car")), modelTurn, .user(.text("make it a convertible"))])
            let second = try await client.generateContent(model: model, request: followUp, endpoint: endpoint)
            #expect(second.response.outcome == .images)

            // A client that drops the image's signature is refused as Google refuses it, and not retried.
            var stripped = modelTurn
            stripped.parts = stripped.parts.map {
                var part = $0
                if part.inlineData != nil { part.thoughtSignature = nil }
                return part
            }
            let broken = GenerateContentRequest(contents: [.user(.text("a red car")), stripped, .user(.text("now yellow"))])
            await #expect {
                try await client.generateContent(model: model, request: broken, endpoint: endpoint, options: .init(retry: fastRetry))
            } throws: { error in
                guard let error = error as? GeminiError, case .api(400, "INVALID_ARGUMENT", let message) = error.kind else { return false }
                return message.hasPrefix("Image part is missing a thought_signature in content position 2, part position 2.")
                    && error.attempts.count == 1
            }
        }
    }

    @Test(arguments: [429, 500, 503, 504])
    func retriesWhatIsWorthRetrying(status: Int) async throws {
        try await withSimulator { endpoint, _ in
            await #expect {
                try await client.generateContent(
                    model: "gemini-2.5-flash-image",
                    request: imageRequest("[sim:status=\(status)]"),
                    endpoint: endpoint,
                    options: .init(retry: fastRetry)
                )
            } throws: { error in
                guard let error = error as? GeminiError else { return false }
                return error.httpStatus == status && error.attempts.count == 3
                    && error.attempts.allSatisfy { $0.statusCode == status && !$0.succeeded }
            }
        }
    }

    @Test(arguments: [400, 401, 403, 404])
    func neverRetriesWhatWillFailAgain(status: Int) async throws {
        try await withSimulator { endpoint, _ in
            await #expect {
                try await client.generateContent(
                    model: "gemini-2.5-flash-image",
                    request: imageRequest("[sim:status=\(status)]"),
                    endpoint: endpoint,
                    options: .init(retry: fastRetry)
                )
            } throws: { error in
                (error as? GeminiError)?.httpStatus == status && (error as? GeminiError)?.attempts.count == 1
            }
        }
    }

    @Test func recoversWhenTheFirstAttemptsFail() async throws {
        try await withSimulator { endpoint, _ in
            let result = try await client.generateContent(
                model: "gemini-2.5-flash-image",
                request: imageRequest("flaky \(UUID()) [sim:fail-first=2]"),
                endpoint: endpoint,
                options: .init(retry: fastRetry)
            )
            #expect(result.response.outcome == .images)
            #expect(result.attempts.map(\.statusCode) == [503, 503, 200])
        }
    }

    @Test func honoursRetryAfterAndGivesUpWhenItWouldPassTheDeadline() async throws {
        try await withSimulator { endpoint, _ in
            // Retry-After of one second fits a ten-second deadline: the wait is taken.
            let waited = try await client.generateContent(
                model: "gemini-2.5-flash-image",
                request: imageRequest("ra \(UUID()) [sim:fail-first=1][sim:retry-after=1]"),
                endpoint: endpoint,
                options: .init(timeout: .seconds(10), retry: fastRetry)
            )
            #expect(waited.attempts.count == 2)
            #expect(waited.attempts[0].retryAfter == .seconds(1))

            // Retry-After of an hour does not fit: fail now with the 429 rather than sleep past the deadline.
            await #expect {
                try await client.generateContent(
                    model: "gemini-2.5-flash-image",
                    request: imageRequest("[sim:status=429][sim:retry-after=3600]"),
                    endpoint: endpoint,
                    options: .init(timeout: .seconds(10), retry: fastRetry)
                )
            } throws: { error in
                guard let error = error as? GeminiError else { return false }
                return error.googleStatus == "RESOURCE_EXHAUSTED" && error.attempts.count == 1
                    && error.attempts[0].retryAfter == .seconds(3600)
            }
        }
    }

    @Test func retriesConnectionFailuresThenReportsThem() async throws {
        // A port nothing listens on: the connection is refused every time.
        let closed = GeminiEndpoint(baseURL: "http://127.0.0.1:9", apiKey: "k")
        await #expect {
            try await client.generateContent(
                model: "gemini-2.5-flash-image",
                request: imageRequest("x"),
                endpoint: closed,
                options: .init(retry: fastRetry)
            )
        } throws: { error in
            guard let error = error as? GeminiError, case .transport = error.kind else { return false }
            return error.attempts.count == 3 && error.attempts.allSatisfy { $0.statusCode == nil }
        }
    }

    @Test func aHangingServerHitsTheDeadline() async throws {
        try await withSimulator { endpoint, _ in
            await #expect {
                try await client.generateContent(
                    model: "gemini-2.5-flash-image",
                    request: imageRequest("[sim:hang=2000]"),
                    endpoint: endpoint,
                    options: .init(timeout: .milliseconds(300), retry: fastRetry)
                )
            } throws: { error in
                guard let error = error as? GeminiError, case .deadlineExceeded = error.kind else { return false }
                return error.attempts.count == 1 && error.attempts[0].failure == "deadline exceeded"
            }
        }
    }

    @Test func aTruncatedBodyIsAnErrorNotAPartialImage() async throws {
        try await withSimulator { endpoint, _ in
            await #expect {
                try await client.generateContent(
                    model: "gemini-2.5-flash-image",
                    request: imageRequest("[sim:truncate]"),
                    endpoint: endpoint,
                    options: .init(retry: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(5)))
                )
            } throws: { error in
                guard let error = error as? GeminiError, case .transport = error.kind else { return false }
                return error.attempts.count == 2
            }
        }
    }

    @Test func anOversizedBodyIsRefused() async throws {
        try await withSimulator { endpoint, _ in
            await #expect {
                try await client.generateContent(
                    model: "gemini-2.5-flash-image",
                    request: imageRequest("big"),
                    endpoint: endpoint,
                    options: .init(retry: fastRetry, maxResponseBytes: 1000)
                )
            } throws: { error in
                guard let error = error as? GeminiError, case .responseTooLarge(1000) = error.kind else { return false }
                return error.attempts.count == 1
            }
        }
    }

    @Test func badKeysUnknownModelsAndBadArgumentsAreGooglesErrors() async throws {
        try await withSimulator { endpoint, _ in
            var wrongKey = endpoint
            wrongKey.apiKey = "wrong"
            let cases: [(GeminiEndpoint, String, GenerateContentRequest, Int, String)] = [
                (wrongKey, "gemini-2.5-flash-image", imageRequest("x"), 403, "API key not valid"),
                (endpoint, "gemini-1.0-pro", imageRequest("x"), 404, "models/gemini-1.0-pro is not found"),
                (endpoint, "gemini-2.5-flash-image", imageRequest("x", aspectRatio: "7:3"), 400, "Unsupported aspect ratio: 7:3"),
                (endpoint, "gemini-3-pro-image", imageRequest("x", imageSize: "1k"), 400, "Unsupported image size: 1k"),
                (endpoint, "gemini-3-pro-image", imageRequest("x", imageSize: "512"), 400, "Unsupported image size: 512"),
                (endpoint, "gemini-2.5-flash-image", GenerateContentRequest(contents: []), 400, "contents is not specified"),
            ]
            for (target, model, request, status, message) in cases {
                do {
                    _ = try await client.generateContent(model: model, request: request, endpoint: target, options: .init(retry: fastRetry))
                    Issue.record("\(model) \(status): expected an error")
                } catch let error as GeminiError {
                    #expect(error.httpStatus == status, "\(message)")
                    #expect(error.message.contains(message), "\(error.message)")
                    #expect(error.attempts.count == 1)
                }
            }
        }
    }

    @Test func safetyRefusalsAndImagelessAnswersAreResults() async throws {
        try await withSimulator { endpoint, _ in
            func outcome(_ prompt: String) async throws -> GenerationOutcome {
                try await client.generateContent(model: "gemini-2.5-flash-image", request: imageRequest(prompt), endpoint: endpoint).response.outcome
            }
            #expect(try await outcome("[sim:block-prompt]") == .promptBlocked(.safety, message: nil))
            guard case .candidateBlocked(.imageSafety, _) = try await outcome("[sim:image-safety]") else {
                Issue.record("expected IMAGE_SAFETY")
                return
            }
            guard case .candidateBlocked(.prohibitedContent, _) = try await outcome("[sim:prohibited]") else {
                Issue.record("expected PROHIBITED_CONTENT")
                return
            }
            #expect(try await outcome("[sim:no-image]") == .noImage(.noImage))
            #expect(try await outcome("[sim:text-only]") == .noImage(.stop))
        }
    }

    @Test func groundingMetadataComesBackDecoded() async throws {
        try await withSimulator { endpoint, _ in
            var request = imageRequest("weather in Lisbon")
            request.tools = [Tool(googleSearch: GoogleSearch(searchTypes: SearchTypes(webSearch: true, imageSearch: true)))]
            let result = try await client.generateContent(model: "gemini-3.1-flash-image", request: request, endpoint: endpoint)
            let grounding = try #require(result.response.candidates.first?.groundingMetadata)
            #expect(grounding.webSearchQueries == ["weather in Lisbon"])
            #expect(grounding.imageSearchQueries?.isEmpty == false)
            #expect(grounding.groundingChunks?.contains { $0.image?.imageUri != nil } == true)
            #expect(grounding.searchEntryPoint?.renderedContent != nil)
        }
    }

    @Test func aLargeImageDecodesWithItsRealSize() async throws {
        try await withSimulator { endpoint, _ in
            let result = try await client.generateContent(
                model: "gemini-3-pro-image",
                request: imageRequest("[sim:noise] big", aspectRatio: "16:9", imageSize: "2K"),
                endpoint: endpoint
            )
            let image = try #require(result.response.finalImages.first)
            #expect(image.width == 2752 && image.height == 1536)
            #expect(image.data.count > 1_000_000)  // noise keeps the PNG large, as real photos are
        }
    }
}
