import Foundation
import NIOCore
import Testing

@testable import Gemini

@Suite struct WireFormatTests {
    /// Encodes `value` and reads it back as a plain JSON tree.
    func json(_ value: some Encodable) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    @Test func everyRequestFieldIsWrittenAsGoogleNamesIt() throws {
        var request = GenerateContentRequest(
            contents: [
                .user(.text("a cat"), .image(Data([1, 2, 3]), mimeType: "image/png")),
                .model([Part(text: "done", thoughtSignature: "c2ln"), Part(text: "musing", thought: true)]),
            ],
            systemInstruction: Content(parts: [.text("be terse")]),
            generationConfig: GenerationConfig(
                responseModalities: [.text, .image],
                imageConfig: ImageConfig(aspectRatio: "16:9", imageSize: "2K"),
                thinkingConfig: ThinkingConfig(thinkingLevel: "high", includeThoughts: true),
                candidateCount: 1,
                temperature: 0.5,
                topP: 0.9,
                topK: 40,
                maxOutputTokens: 2048,
                seed: 7,
                stopSequences: ["END"]
            ),
            tools: [Tool(googleSearch: GoogleSearch(searchTypes: SearchTypes(webSearch: true, imageSearch: true)))],
            safetySettings: [SafetySetting(category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_ONLY_HIGH")]
        )
        request.unknownFields["cachedContent"] = .string("cachedContents/abc")
        let body = try json(request)

        let parts = body["contents"]?[0]?["parts"]
        #expect(parts?[0]?["text"] == .string("a cat"))
        #expect(parts?[1]?["inlineData"]?["mimeType"] == .string("image/png"))
        #expect(parts?[1]?["inlineData"]?["data"] == .string("AQID"))
        let model = body["contents"]?[1]
        #expect(model?["role"] == .string("model"))
        #expect(model?["parts"]?[0]?["thoughtSignature"] == .string("c2ln"))
        #expect(model?["parts"]?[1]?["thought"] == .bool(true))
        #expect(body["systemInstruction"]?["parts"] != nil)
        let config = try #require(body["generationConfig"])
        #expect(config["responseModalities"] == .array([.string("TEXT"), .string("IMAGE")]))
        #expect(config["imageConfig"]?["aspectRatio"] == .string("16:9"))
        #expect(config["imageConfig"]?["imageSize"] == .string("2K"))
        #expect(config["thinkingConfig"]?["thinkingLevel"] == .string("high"))
        #expect(config["thinkingConfig"]?["includeThoughts"] == .bool(true))
        #expect(config["candidateCount"] == .number(1))
        #expect(config["temperature"] == .number(0.5))
        #expect(config["topP"] == .number(0.9))
        #expect(config["topK"] == .number(40))
        #expect(config["maxOutputTokens"] == .number(2048))
        #expect(config["seed"] == .number(7))
        #expect(config["stopSequences"] == .array([.string("END")]))
        let tool = body["tools"]?[0]
        #expect(tool?["googleSearch"]?["searchTypes"]?["webSearch"] == .object([:]))
        #expect(tool?["googleSearch"]?["searchTypes"]?["imageSearch"] == .object([:]))
        let safety = body["safetySettings"]?[0]
        #expect(safety?["category"] == .string("HARM_CATEGORY_HARASSMENT"))
        #expect(safety?["threshold"] == .string("BLOCK_ONLY_HIGH"))
        #expect(body["cachedContent"] == .string("cachedContents/abc"))
        // No snake_case leaks out.
        let text = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        #expect(!text.contains("_data") && !text.contains("mime_type") && !text.contains("image_config"))
    }

    @Test func readsSnakeCaseAndURLSafeBase64AsThePythonSDKSendsThem() throws {
        // 0xFB 0xFF encodes as "-_8" in URL-safe base64 and "+/8=" in the standard alphabet.
        let body = #"""
            {"contents":[{"role":"user","parts":[{"text":"edit"},{"inline_data":{"mime_type":"image/png","data":"-_8"}}]}],
             "system_instruction":{"parts":[{"text":"sys"}]},
             "generation_config":{"response_modalities":["IMAGE"],"image_config":{"aspect_ratio":"4:3","image_size":"1K"},
                                  "thinking_config":{"thinking_level":"minimal","include_thoughts":false}},
             "tools":[{"google_search":{"search_types":{"image_search":{}}}}]}
            """#
        let request = try JSONDecoder().decode(GenerateContentRequest.self, from: Data(body.utf8))
        #expect(request.contents[0].parts[1].inlineData == InlineData(mimeType: "image/png", data: Data([0xFB, 0xFF])))
        #expect(request.systemInstruction?.parts.first?.text == "sys")
        #expect(request.generationConfig?.responseModalities == [.image])
        #expect(request.generationConfig?.imageConfig == ImageConfig(aspectRatio: "4:3", imageSize: "1K"))
        #expect(request.generationConfig?.thinkingConfig?.thinkingLevel == "minimal")
        #expect(request.generationConfig?.thinkingConfig?.includeThoughts == false)
        #expect(request.tools?.first?.googleSearch?.searchTypes?.imageSearch == .object([:]))
        #expect(request.unknownFields.isEmpty)
    }

    @Test func refusesDataThatIsNotBase64() {
        let body = #"{"contents":[{"parts":[{"inlineData":{"mimeType":"image/png","data":"not base64!"}}]}]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(GenerateContentRequest.self, from: Data(body.utf8)) }
    }

    @Test func decodesAnImageAnswerWithSignaturesAndUsage() throws {
        let response = try JSONDecoder().decode(GenerateContentResponse.self, from: Fixture.data("image_with_signatures.json"))
        #expect(response.modelVersion == "gemini-3-pro-image-preview")
        #expect(response.responseId == "aBcDeFgHiJkLmNoP")
        #expect(response.images.count == 2)
        #expect(response.finalImages.count == 1)
        let image = try #require(response.finalImages.first)
        #expect(image.thoughtSignature == "U2lnbmF0dXJlX0I=")
        #expect(image.width == 16 && image.height == 9)
        #expect(response.candidates[0].content?.parts[1].thoughtSignature == "U2lnbmF0dXJlX0E=")
        #expect(response.text == "Here is a step-by-step guide to baking macarons.\n\n### Step 2")
        #expect(response.outcome == .images)
        let usage = try #require(response.usageMetadata)
        #expect(usage.promptTokenCount == 14 && usage.candidatesTokenCount == 1130 && usage.thoughtsTokenCount == 400)
        #expect(usage.totalTokenCount == 1544)
        #expect(usage.candidatesTokensDetails?.first == ModalityTokenCount(modality: .image, tokenCount: 1120))
        #expect(response.candidates[0].safetyRatings?.first?.probability == "NEGLIGIBLE")
    }

    @Test func decodesGrounding() throws {
        let response = try JSONDecoder().decode(GenerateContentResponse.self, from: Fixture.data("grounded.json"))
        let grounding = try #require(response.candidates.first?.groundingMetadata)
        #expect(grounding.webSearchQueries == ["weather San Francisco next 5 days"])
        #expect(grounding.imageSearchQueries == ["San Francisco skyline"])
        #expect(grounding.searchEntryPoint?.renderedContent?.contains("container") == true)
        #expect(grounding.groundingChunks?.first?.web?.title == "weather.com")
        #expect(grounding.groundingChunks?.last?.image?.imageUri == "https://example.org/photo.jpg")
        #expect(grounding.unknownFields["groundingSupports"] != nil)
    }

    @Test func safetyOutcomesAreResultsNotErrors() throws {
        let blocked = try JSONDecoder().decode(GenerateContentResponse.self, from: Fixture.data("prompt_blocked.json"))
        #expect(blocked.outcome == .promptBlocked(.prohibitedContent, message: "The prompt was blocked."))
        let safety = try JSONDecoder().decode(GenerateContentResponse.self, from: Fixture.data("image_safety.json"))
        #expect(safety.outcome == .candidateBlocked(.imageSafety, message: "Unable to show the generated image."))
    }

    @Test func unknownFieldsAndEnumValuesSurviveARoundTrip() throws {
        let original = try JSONDecoder().decode(JSONValue.self, from: Fixture.data("unknown_fields.json"))
        let response = try JSONDecoder().decode(GenerateContentResponse.self, from: Fixture.data("unknown_fields.json"))
        #expect(response.candidates[0].finishReason?.rawValue == "SOMETHING_NEW_IN_2027")
        #expect(response.promptFeedback?.blockReason?.rawValue == "NEW_BLOCK_REASON")
        #expect(response.unknownFields["createTime"] == .string("2027-01-01T00:00:00Z"))
        #expect(response.usageMetadata?.unknownFields["trafficType"] == .string("ON_DEMAND"))
        #expect(try json(response) == original)
    }

    @Test func decodesGoogleErrorBodies() throws {
        let body = try JSONDecoder().decode(GoogleErrorBody.self, from: Fixture.data("error_429.json"))
        #expect(body.error.code == 429 && body.error.status == "RESOURCE_EXHAUSTED")
        #expect(body.error.details?.first?["retryDelay"] == .string("30s"))
    }

    @Test func mergesStreamedChunksIntoOneAnswer() throws {
        var parser = ServerSentEventParser()
        let events = try parser.append(ByteBuffer(data: Fixture.data("stream.sse")))
        let chunks = try events.map { try JSONDecoder().decode(GenerateContentResponse.self, from: Data($0.utf8)) }
        #expect(chunks.count == 3)
        let merged = GenerateContentResponse.merge(chunks)
        let parts = try #require(merged.candidates.first?.content?.parts)
        #expect(parts.count == 2)
        #expect(parts[0].text == "Here is your cat.")
        #expect(parts[0].thoughtSignature == "c2lnMQ==")
        #expect(parts[1].thoughtSignature == "c2lnMg==")
        #expect(merged.candidates[0].finishReason == .stop)
        #expect(merged.usageMetadata?.thoughtsTokenCount == 412)
        #expect(merged.responseId == "s1")
    }
}
