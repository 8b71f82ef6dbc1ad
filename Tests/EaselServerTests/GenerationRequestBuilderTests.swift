import EaselCore
import Foundation
import Gemini
import Testing

@testable import EaselServer
@testable import EaselStore

/// How earlier turns are replayed to Gemini.
@Suite struct GenerationRequestBuilderTests {
    let model = ModelRecord(
        id: UUID(),
        tenantID: nil,
        fields: ModelFields(name: "M", apiModel: "gemini-3-pro-image", capabilities: .unknownModel),
        tokenHint: nil,
        createdAt: Date(),
        updatedAt: Date()
    )
    let image = ImageData(data: Data([1, 2, 3]), mimeType: "image/jpeg", width: 1, height: 1)

    /// An answer stored before streamed chunks were joined by their signature kept Google's
    /// trailing signed empty text as a part of its own, leaving the text it belongs to unsigned;
    /// Gemini 3 refuses that replay ("Text part is missing a thought_signature"). It is joined.
    @Test func aSignatureStoredApartFromItsTextIsReplayedOnIt() {
        let turn = GenerationQueue.Turn(
            prompt: "a kite",
            inputs: [],
            answer: [
                .init(text: "Here is "), .init(text: "your kite."), .init(text: "", thoughtSignature: "S"), .init(image: 0, thoughtSignature: "T"),
            ],
            outputs: [image]
        )
        let request = GenerationRequestBuilder.build(model: model, options: GenerationOptions(prompt: "now red"), inputs: [], history: [turn])
        let replayed = request.contents[1].parts
        #expect(request.contents[1].role == "model")
        #expect(replayed.count == 2)
        #expect(replayed[0].text == "Here is your kite." && replayed[0].thoughtSignature == "S")
        #expect(replayed[1].inlineData?.data == image.data && replayed[1].thoughtSignature == "T")
    }

    /// An answer stored as Google sent it is replayed part for part.
    @Test func aWellStoredAnswerIsReplayedPartForPart() {
        let turn = GenerationQueue.Turn(
            prompt: "steps",
            inputs: [],
            answer: [
                .init(text: "Step 1", thoughtSignature: "A"), .init(image: 0, thoughtSignature: "B"), .init(text: "Step 2"),
                .init(image: 1, thoughtSignature: "C"),
            ],
            outputs: [image, image]
        )
        let request = GenerationRequestBuilder.build(model: model, options: GenerationOptions(prompt: "more"), inputs: [], history: [turn])
        let replayed = request.contents[1].parts
        #expect(replayed.map(\.thoughtSignature) == ["A", "B", nil, "C"])
        #expect(replayed.map(\.text) == ["Step 1", nil, "Step 2", nil])
    }
}
