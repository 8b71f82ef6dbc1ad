import Foundation
import Gemini
import NIOCore
import Testing

/// Joining streamed chunks so that every part keeps its thought signature, wherever in the
/// stream Google put it: Gemini 3 refuses a replayed first text part without it.
@Suite struct StreamMergeTests {
    func chunk(_ parts: Part..., finish: FinishReason? = nil) -> GenerateContentResponse {
        GenerateContentResponse(candidates: [Candidate(content: .model(parts), finishReason: finish, index: 0)])
    }

    func parts(_ chunks: [GenerateContentResponse]) throws -> [Part] {
        try #require(GenerateContentResponse.merge(chunks).candidates.first?.content?.parts)
    }

    @Test(arguments: [0, 1, 2])
    func aSignatureOnAnyTextChunkSignsTheJoinedPart(signedChunk: Int) throws {
        let pieces = ["Hello!", " How can I help you", " today?"]
        let chunks = pieces.enumerated().map { index, text in
            chunk(Part(text: text, thoughtSignature: index == signedChunk ? "c2ln" : nil))
        }
        let merged = try parts(chunks)
        #expect(merged.count == 1)
        #expect(merged.first?.text == "Hello! How can I help you today?")
        #expect(merged.first?.thoughtSignature == "c2ln")
    }

    @Test func aSignatureOnATrailingEmptyChunkSignsTheTextAsCaptured() throws {
        // The end of a real Google stream: the text in three chunks, then the signature alone.
        let stream = """
            data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hello!"}]}}],"modelVersion":"gemini-3-pro-image-preview"}\r
            \r
            data: {"candidates":[{"content":{"role":"model","parts":[{"text":" How can I help you today"}]}}],"modelVersion":"gemini-3-pro-image-preview"}\r
            \r
            data: {"candidates":[{"content":{"role":"model","parts":[{"text":"?"}]}}],"modelVersion":"gemini-3-pro-image-preview"}\r
            \r
            data: {"candidates":[{"content":{"role":"model","parts":[{"text":"","thoughtSignature":"AY89a18i"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":9,"totalTokenCount":13},"modelVersion":"gemini-3-pro-image-preview"}\r
            \r

            """
        var parser = ServerSentEventParser()
        let events = try parser.append(ByteBuffer(string: stream))
        let chunks = try events.map { try JSONDecoder().decode(GenerateContentResponse.self, from: Data($0.utf8)) }
        #expect(chunks.count == 4)
        let merged = GenerateContentResponse.merge(chunks)
        let parts = try #require(merged.candidates.first?.content?.parts)
        #expect(parts.count == 1)
        #expect(parts.first?.text == "Hello! How can I help you today?")
        #expect(parts.first?.thoughtSignature == "AY89a18i")
        #expect(merged.candidates.first?.finishReason == .stop)
        #expect(merged.text == "Hello! How can I help you today?")
    }

    @Test func thoughtTextAndAnswerTextStayTwoParts() throws {
        let merged = try parts([
            chunk(Part(text: "Planning the", thought: true)),
            chunk(Part(text: " scene.", thought: true)),
            chunk(Part(text: "Here is")),
            chunk(Part(text: " your cat.")),
            chunk(Part(text: "", thoughtSignature: "c2ln")),
        ])
        #expect(merged.count == 2)
        #expect(merged[0].isThought && merged[0].text == "Planning the scene." && merged[0].thoughtSignature == nil)
        #expect(!merged[1].isThought && merged[1].text == "Here is your cat." && merged[1].thoughtSignature == "c2ln")
    }

    @Test func twoSignedTextPartsStayTwo() throws {
        // Signatures cannot be merged: each signed part is replayed as it came.
        let merged = try parts([
            chunk(Part(text: "First", thoughtSignature: "c2lnMQ==")),
            chunk(Part(text: " part.")),
            chunk(Part(text: "Second", thoughtSignature: "c2lnMg==")),
        ])
        #expect(merged.map(\.text) == ["First part.", "Second"])
        #expect(merged.map(\.thoughtSignature) == ["c2lnMQ==", "c2lnMg=="])
    }

    @Test func aSignatureOnlyChunkAfterAnImageStaysAPartOfItsOwn() throws {
        var image = Part.image(Data([0x89, 0x50, 0x4E, 0x47]), mimeType: "image/png")
        image.thoughtSignature = "aW1n"
        let merged = try parts([
            chunk(Part(text: "Here it is.", thoughtSignature: "dGV4dA==")),
            chunk(image),
            chunk(Part(text: "", thoughtSignature: "ZW5k"), finish: .stop),
        ])
        #expect(merged.count == 3)
        #expect(merged[0].text == "Here it is." && merged[0].thoughtSignature == "dGV4dA==")
        #expect(merged[1].inlineData != nil && merged[1].thoughtSignature == "aW1n")
        #expect(merged[2].text == "" && merged[2].thoughtSignature == "ZW5k")
    }
}
