import Foundation
import Gemini
import GeminiSimulatorKit
import Testing

@Suite struct GeminiStreamTests {
    @Test func chunksArriveBeforeTheBodyEnds() async throws {
        try await withSimulator { endpoint, state in
            let token = UUID().uuidString
            let stream = try await client.streamGenerateContent(
                model: "gemini-3.1-flash-image",
                request: imageRequest("a kite [sim:hold=\(token)]"),
                endpoint: endpoint
            )
            var iterator = stream.makeAsyncIterator()
            // The simulator holds the final chunk until released: the first one must already be here.
            let first = try #require(try await iterator.next())
            #expect(first.candidates.first?.finishReason == nil)
            #expect(!first.text.isEmpty)
            state.release(token)
            var chunks = [first]
            while let chunk = try await iterator.next() { chunks.append(chunk) }
            let merged = GenerateContentResponse.merge(chunks)
            #expect(merged.text.contains("a kite"))
            #expect(merged.candidates.first?.finishReason == .stop)
            #expect(merged.finalImages.count == 1)
            #expect(merged.finalImages.first?.thoughtSignature != nil)
            #expect(merged.usageMetadata?.totalTokenCount != nil)
            #expect(stream.attempts.count == 1)
            #expect(state.requests.last?.query == "alt=sse")
        }
    }

    /// Collects every chunk of a stream.
    func chunks(
        _ prompt: String,
        model: String = "gemini-3.1-flash-image",
        imageSize: String? = "512",
        endpoint: GeminiEndpoint
    ) async throws -> [GenerateContentResponse] {
        let stream = try await client.streamGenerateContent(model: model, request: imageRequest(prompt, imageSize: imageSize), endpoint: endpoint)
        var chunks: [GenerateContentResponse] = []
        for try await chunk in stream { chunks.append(chunk) }
        return chunks
    }

    /// Whether `chunk` has a non-thought text part that carries a signature.
    func hasSignedText(_ chunk: GenerateContentResponse) -> Bool {
        chunk.candidates.first?.content?.parts.contains { $0.text != nil && !$0.isThought && $0.thoughtSignature != nil } == true
    }

    @Test func aStreamedGemini3AnswerReplaysOnlyWithTheSignatureOfALaterChunk() async throws {
        try await withSimulator { endpoint, _ in
            let model = "gemini-3.1-flash-image"
            let chunks = try await chunks("a red car", model: model, endpoint: endpoint)
            // As Google streams it: the text in several chunks, its signature on a later one.
            let firstText = try #require(chunks.firstIndex { !$0.text.isEmpty })
            let signedText = try #require(chunks.firstIndex(where: hasSignedText))
            #expect(signedText > firstText)
            #expect(chunks.filter { !$0.text.isEmpty }.count >= 3)
            #expect(!hasSignedText(chunks[firstText]))

            let modelTurn = try #require(GenerateContentResponse.merge(chunks).candidates.first?.content)
            #expect(modelTurn.parts.count == 2)
            #expect(modelTurn.parts.first?.text == "Here is your image: a red car.")
            #expect(modelTurn.parts.first?.thoughtSignature != nil)
            func replay(_ turn: Content) async throws -> GeminiClient.Result {
                let request = GenerateContentRequest(
                    contents: [.user(.text("a red car")), turn, .user(.text("make it blue"))],
                    generationConfig: GenerationConfig(imageConfig: ImageConfig(imageSize: "512"))
                )
                return try await client.generateContent(model: model, request: request, endpoint: endpoint, options: .init(retry: fastRetry))
            }
            func refusal(_ turn: Content) async -> String? {
                do {
                    _ = try await replay(turn)
                    return nil
                } catch let error as GeminiError {
                    guard case .api(400, "INVALID_ARGUMENT", let message) = error.kind, error.attempts.count == 1 else { return "\(error)" }
                    return message
                } catch {
                    return "\(error)"
                }
            }

            #expect(try await replay(modelTurn).response.outcome == .images)

            var unsigned = modelTurn
            unsigned.parts[0].thoughtSignature = nil
            let missing = await refusal(unsigned)
            #expect(
                missing?.hasPrefix("Text part is missing a thought_signature in content position 2, part position 1.") == true,
                "\(missing ?? "accepted")"
            )

            var altered = modelTurn
            var bytes = try #require(Base64.decode(modelTurn.parts[0].thoughtSignature ?? ""))
            bytes[bytes.count - 1] ^= 1
            altered.parts[0].thoughtSignature = bytes.base64EncodedString()
            let invalid = await refusal(altered)
            #expect(invalid?.contains("Thought signature is not valid") == true, "\(invalid ?? "accepted")")

            // Google's documented dummy passes, as it does upstream.
            var dummy = modelTurn
            dummy.parts[0].thoughtSignature = "skip_thought_signature_validator"
            #expect(try await replay(dummy).response.outcome == .images)
        }
    }

    @Test(arguments: ["first", "last", "empty"])
    func theSignatureRidesWhereTheDirectiveSays(placement: String) async throws {
        try await withSimulator { endpoint, _ in
            let chunks = try await chunks("[sim:signature-on=\(placement)] a boat", endpoint: endpoint)
            let textChunks = chunks.filter { $0.candidates.first?.content?.parts.contains { $0.text != nil && !$0.isThought } == true }
            let signed = try #require(textChunks.firstIndex(where: hasSignedText))
            let expected = ["first": 0, "last": 2, "empty": 3][placement]
            #expect(signed == expected)
            #expect(textChunks[signed].text.isEmpty == (placement == "empty"))
            let parts = try #require(GenerateContentResponse.merge(chunks).candidates.first?.content?.parts)
            #expect(parts.first?.text == "Here is your image: a boat." && parts.first?.thoughtSignature != nil)
        }
    }

    @Test func gemini25NeitherSignsNorAsksForSignatures() async throws {
        try await withSimulator { endpoint, _ in
            let model = "gemini-2.5-flash-image"
            let chunks = try await chunks("a tram", model: model, imageSize: nil, endpoint: endpoint)
            #expect(!chunks.contains { $0.candidates.first?.content?.parts.contains { $0.thoughtSignature != nil } == true })
            let turn = try #require(GenerateContentResponse.merge(chunks).candidates.first?.content)
            let followUp = GenerateContentRequest(contents: [.user(.text("a tram")), turn, .user(.text("at night"))])
            #expect(try await client.generateContent(model: model, request: followUp, endpoint: endpoint).response.outcome == .images)
        }
    }

    @Test func collectMergesSeveralImages() async throws {
        try await withSimulator { endpoint, _ in
            let stream = try await client.streamGenerateContent(
                model: "gemini-2.5-flash-image",
                request: imageRequest("[sim:images=3] comic"),
                endpoint: endpoint
            )
            let response = try await stream.collect()
            #expect(response.finalImages.count == 3)
            #expect(response.finalImages.allSatisfy { $0.width == 1024 && $0.height == 1024 })
        }
    }

    @Test func errorsBeforeTheFirstByteAreRetriedThenThrown() async throws {
        try await withSimulator { endpoint, _ in
            let recovered = try await client.streamGenerateContent(
                model: "gemini-2.5-flash-image",
                request: imageRequest("s \(UUID()) [sim:fail-first=1]"),
                endpoint: endpoint,
                options: .init(retry: fastRetry)
            )
            #expect(recovered.attempts.map(\.statusCode) == [503, 200])
            _ = try await recovered.collect()

            await #expect {
                try await client.streamGenerateContent(
                    model: "gemini-2.5-flash-image",
                    request: imageRequest("x", aspectRatio: "2:1"),
                    endpoint: endpoint,
                    options: .init(retry: fastRetry)
                )
            } throws: { ($0 as? GeminiError)?.httpStatus == 400 && ($0 as? GeminiError)?.attempts.count == 1 }
        }
    }

    @Test func aStreamCutOffMidEventEndsWithAnError() async throws {
        try await withSimulator { endpoint, _ in
            let stream = try await client.streamGenerateContent(
                model: "gemini-2.5-flash-image",
                request: imageRequest("[sim:truncate] cut"),
                endpoint: endpoint
            )
            var received = 0
            await #expect(throws: GeminiError.self) {
                for try await _ in stream { received += 1 }
            }
            #expect(received >= 1)  // the chunks before the cut did arrive
        }
    }
}
