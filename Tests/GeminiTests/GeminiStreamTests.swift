import Foundation
import Gemini
import GeminiSimulatorKit
import Testing

@Suite struct GeminiStreamTests {
    @Test func chunksArriveBeforeTheBodyEnds() async throws {
        try await withSimulator { endpoint, state in
            let token = UUID().uuidString
            let stream = try await client.streamGenerateContent(
                model: "gemini-3.1-flash-image-preview", request: imageRequest("a kite [sim:hold=\(token)]"), endpoint: endpoint)
            var iterator = stream.makeAsyncIterator()
            // The simulator holds the final chunk until released: the first one must already be here.
            let first = try #require(try await iterator.next())
            #expect(first.candidates.first?.finishReason == nil)
            #expect(first.text.contains("a kite"))
            state.release(token)
            var chunks = [first]
            while let chunk = try await iterator.next() { chunks.append(chunk) }
            let merged = GenerateContentResponse.merge(chunks)
            #expect(merged.candidates.first?.finishReason == .stop)
            #expect(merged.finalImages.count == 1)
            #expect(merged.finalImages.first?.thoughtSignature != nil)
            #expect(merged.usageMetadata?.totalTokenCount != nil)
            #expect(stream.attempts.count == 1)
            #expect(state.requests.last?.query == "alt=sse")
        }
    }

    @Test func collectMergesSeveralImages() async throws {
        try await withSimulator { endpoint, _ in
            let stream = try await client.streamGenerateContent(
                model: "gemini-2.5-flash-image", request: imageRequest("[sim:images=3] comic"), endpoint: endpoint)
            let response = try await stream.collect()
            #expect(response.finalImages.count == 3)
            #expect(response.finalImages.allSatisfy { $0.width == 1024 && $0.height == 1024 })
        }
    }

    @Test func errorsBeforeTheFirstByteAreRetriedThenThrown() async throws {
        try await withSimulator { endpoint, _ in
            let recovered = try await client.streamGenerateContent(
                model: "gemini-2.5-flash-image", request: imageRequest("s \(UUID()) [sim:fail-first=1]"), endpoint: endpoint,
                options: .init(retry: fastRetry))
            #expect(recovered.attempts.map(\.statusCode) == [503, 200])
            _ = try await recovered.collect()

            await #expect {
                try await client.streamGenerateContent(
                    model: "gemini-2.5-flash-image", request: imageRequest("x", aspectRatio: "2:1"), endpoint: endpoint,
                    options: .init(retry: fastRetry))
            } throws: { ($0 as? GeminiError)?.httpStatus == 400 && ($0 as? GeminiError)?.attempts.count == 1 }
        }
    }

    @Test func aStreamCutOffMidEventEndsWithAnError() async throws {
        try await withSimulator { endpoint, _ in
            let stream = try await client.streamGenerateContent(
                model: "gemini-2.5-flash-image", request: imageRequest("[sim:truncate] cut"), endpoint: endpoint)
            var received = 0
            await #expect(throws: GeminiError.self) {
                for try await _ in stream { received += 1 }
            }
            #expect(received >= 1)  // the chunks before the cut did arrive
        }
    }
}
