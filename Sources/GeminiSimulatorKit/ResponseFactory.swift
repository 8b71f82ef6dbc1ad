import Foundation
import Gemini

/// Makes the chunks of an answer: thoughts, text, images of the right size, signatures,
/// grounding and usage, as the real models return them.
struct ResponseFactory {
    let family: ImageModelFamily
    let model: String
    let request: GenerateContentRequest
    let prompt: String
    let directives: Directives

    var config: GenerationConfig? { request.generationConfig }
    var wantsText: Bool {
        guard let modalities = config?.responseModalities, !modalities.isEmpty else { return true }
        return modalities.contains { $0.rawValue.uppercased() == "TEXT" }
    }
    var wantsImage: Bool {
        guard let modalities = config?.responseModalities, !modalities.isEmpty else { return true }
        return modalities.contains { $0.rawValue.uppercased() == "IMAGE" }
    }

    func chunks() -> [GenerateContentResponse] {
        let responseID = "sim-" + UUID().uuidString.lowercased().prefix(18)
        var usage = UsageMetadata(
            promptTokenCount: promptTokens,
            promptTokensDetails: [
                ModalityTokenCount(modality: .text, tokenCount: textTokens),
                ModalityTokenCount(modality: .image, tokenCount: inputImageCount * 258),
            ].filter { ($0.tokenCount ?? 0) > 0 }
        )
        func finish(_ response: inout GenerateContentResponse) {
            response.modelVersion = model
            response.responseId = responseID
        }

        if directives.blockPrompt {
            usage.totalTokenCount = promptTokens
            var response = GenerateContentResponse(
                promptFeedback: PromptFeedback(
                    blockReason: .safety,
                    safetyRatings: [SafetyRating(category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true)]
                ),
                usageMetadata: usage
            )
            finish(&response)
            return [response]
        }
        if directives.imageSafety || directives.prohibited {
            let reason: FinishReason = directives.imageSafety ? .imageSafety : .prohibitedContent
            usage.totalTokenCount = promptTokens
            var response = GenerateContentResponse(
                candidates: [
                    Candidate(
                        finishReason: reason,
                        finishMessage:
                            "Unable to show the generated image. The image was filtered out because it violated Google's Generative AI Prohibited Use policy.",
                        index: 0
                    )
                ],
                usageMetadata: usage
            )
            finish(&response)
            return [response]
        }

        let signs = family.requiresThoughtSignatures
        let imagesWanted = (directives.noImage || directives.textOnly || !wantsImage) ? 0 : directives.imageCount
        let imageConfig = directives.ignoreImageConfig ? nil : config?.imageConfig
        let size = family.dimensions(aspectRatio: imageConfig?.aspectRatio, imageSize: imageConfig?.imageSize) ?? (1024, 1024)
        func image(seed: UInt64) -> Part {
            let bytes = SimulatedImage.pattern(
                width: size.width,
                height: size.height,
                seed: seed,
                noiseBits: directives.noiseBits,
                mimeType: family.outputMimeType
            )
            return Part.image(bytes, mimeType: family.outputMimeType)
        }
        // Thoughts, each its own chunk, as they stream before the answer.
        var thoughts: [[Part]] = []
        var thoughtTokens = 0
        if signs {
            let level = config?.thinkingConfig?.thinkingLevel?.lowercased()
            thoughtTokens = level == "minimal" ? 64 : 412
            if config?.thinkingConfig?.includeThoughts == true {
                thoughts.append([Part(text: "Composing the scene: \(promptExcerpt).", thought: true)])
                // Gemini 3 Pro Image draws up to two interim images while it thinks, the last of
                // them the final image; they are thoughts, so they carry no signature (Google's
                // image-generation guide, "Thinking process" and "Thought signatures").
                if family.id == ImageModelFamily.pro3.id, imagesWanted > 0 {
                    for draft in [image(seed: seed(-1)), image(seed: seed(0))] {
                        var part = draft
                        part.thought = true
                        thoughts.append([part])
                    }
                    thoughtTokens += 2 * family.outputTokensPerImage(imageSize: config?.imageConfig?.imageSize)
                }
            }
        }
        var answerText: String?
        if wantsText || imagesWanted == 0 {
            answerText =
                imagesWanted == 0
                ? (directives.noImage
                    ? "I can describe it, but I could not draw this one: \(promptExcerpt)." : "Here is a description: \(promptExcerpt).")
                : "Here is your image: \(promptExcerpt)."
        }
        let leadingChunks: [[Part]]
        if signs, let answerText {
            // Gemini 3 streams its first answer part in pieces and signs only one of them, most
            // often with a trailing chunk of empty text: a client must join them to replay it.
            var pieces = Self.pieces(of: answerText).map { Part(text: $0) }
            switch directives.signaturePlacement {
            case .first: pieces[0].thoughtSignature = signature()
            case .last: pieces[pieces.count - 1].thoughtSignature = signature()
            case .empty: pieces.append(Part(text: "", thoughtSignature: signature()))
            }
            leadingChunks = thoughts + pieces.map { [$0] }
        } else {
            leadingChunks = thoughts + [answerText.map { [Part(text: $0)] } ?? []]
        }

        var imageChunks: [[Part]] = []
        var imageTokens = 0
        for index in 0..<imagesWanted {
            var parts: [Part] = []
            if index > 0, wantsText { parts.append(Part(text: "\n\nVariation \(index + 1):\n\n")) }
            var answer = image(seed: seed(index))
            answer.thoughtSignature = signs ? signature() : nil
            parts.append(answer)
            imageChunks.append(parts)
            imageTokens += family.outputTokensPerImage(imageSize: config?.imageConfig?.imageSize)
        }

        let textTokensOut = (thoughts.joined().compactMap(\.text) + [answerText].compactMap { $0 }).reduce(0) { $0 + max(1, $1.count / 4) }
        usage.candidatesTokenCount = imageTokens + textTokensOut
        usage.candidatesTokensDetails = [
            ModalityTokenCount(modality: .text, tokenCount: textTokensOut),
            ModalityTokenCount(modality: .image, tokenCount: imageTokens),
        ].filter { ($0.tokenCount ?? 0) > 0 }
        usage.thoughtsTokenCount = thoughtTokens > 0 ? thoughtTokens : nil
        usage.totalTokenCount = promptTokens + imageTokens + textTokensOut + thoughtTokens

        var chunks: [GenerateContentResponse] = []
        let groupsOfParts = (leadingChunks + imageChunks).filter { !$0.isEmpty }
        for parts in groupsOfParts {
            var chunk = GenerateContentResponse(candidates: [Candidate(content: .model(parts), index: 0)])
            finish(&chunk)
            chunks.append(chunk)
        }
        var last = GenerateContentResponse(
            candidates: [
                Candidate(
                    content: .model([Part(text: "")]),
                    finishReason: directives.noImage ? .noImage : .stop,
                    groundingMetadata: grounding(),
                    index: 0
                )
            ],
            usageMetadata: usage
        )
        finish(&last)
        // The final chunk carries only the finish; give it the last parts so no empty text part remains.
        if let previous = chunks.popLast() {
            last.candidates[0].content = previous.candidates[0].content
        } else {
            last.candidates[0].content = nil
        }
        chunks.append(last)
        return chunks
    }

    var promptExcerpt: String {
        let cleaned = prompt.replacingOccurrences(of: #"\[sim:[^\]]*\]"#, with: "", options: .regularExpression)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return cleaned.count > 80 ? String(cleaned.prefix(80)) + "…" : (cleaned.isEmpty ? "an image" : cleaned)
    }

    var inputImageCount: Int {
        request.contents.filter { $0.role != "model" }.flatMap(\.parts).filter { $0.inlineData != nil }.count
    }

    var textTokens: Int {
        let characters =
            request.contents.flatMap(\.parts).compactMap(\.text).reduce(0) { $0 + $1.count }
            + (request.systemInstruction?.parts.compactMap(\.text).reduce(0) { $0 + $1.count } ?? 0)
        return max(1, characters / 4)
    }

    var promptTokens: Int { textTokens + inputImageCount * 258 }

    func grounding() -> GroundingMetadata? {
        guard let search = request.tools?.compactMap(\.googleSearch).first else { return nil }
        let imageSearch = search.searchTypes?.imageSearch != nil
        // Web search unless searchTypes names only image search.
        let webSearch = search.searchTypes == nil || search.searchTypes?.webSearch != nil || !imageSearch
        return GroundingMetadata(
            webSearchQueries: webSearch ? [promptExcerpt] : nil,
            imageSearchQueries: imageSearch ? [promptExcerpt + " photo"] : nil,
            searchEntryPoint: SearchEntryPoint(renderedContent: "<div class=\"sim-search\">Search: \(promptExcerpt)</div>"),
            groundingChunks: (webSearch ? [GroundingChunk(web: GroundingSource(uri: "https://example.com/source-1", title: "example.com"))] : [])
                + (imageSearch
                    ? [
                        GroundingChunk(
                            image: GroundingSource(
                                title: "A page with a photo",
                                sourceUri: "https://example.com/gallery/page",
                                imageUri: "https://images.example.com/photo.jpg",
                                domain: "example.com"
                            )
                        )
                    ] : [])
        )
    }

    func signature() -> String { ThoughtSignatures.issue() }

    /// `text` cut at word boundaries into up to three pieces that join back to it exactly, each
    /// after the first starting with its space, as Google's streamed text arrives.
    static func pieces(of text: String, count: Int = 3) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: false)
        let pieceCount = max(1, min(count, words.count))
        return (0..<pieceCount).map { index in
            let piece = words[index * words.count / pieceCount..<(index + 1) * words.count / pieceCount].joined(separator: " ")
            return index == 0 ? piece : " " + piece
        }
    }

    /// A seed stable across processes (Swift's `Hasher` is not), so one prompt draws one image.
    func seed(_ index: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (prompt + "#\(index)").utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
