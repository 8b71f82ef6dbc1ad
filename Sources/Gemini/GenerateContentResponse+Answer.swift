import Foundation

extension GenerateContentResponse {
    /// Every inline image of every candidate, with its size read from its header. Thought
    /// images (drafts) are included and marked; use `finalImages` for the answer.
    public var images: [GeneratedImage] {
        var images: [GeneratedImage] = []
        for (candidateIndex, candidate) in candidates.enumerated() {
            for (partIndex, part) in (candidate.content?.parts ?? []).enumerated() {
                guard let inline = part.inlineData, inline.mimeType.hasPrefix("image/") else { continue }
                let info = ImageInfo.read(inline.data)
                images.append(
                    GeneratedImage(
                        data: inline.data,
                        mimeType: inline.mimeType,
                        format: info?.format,
                        width: info?.width,
                        height: info?.height,
                        thoughtSignature: part.thoughtSignature,
                        isThought: part.isThought,
                        candidateIndex: candidate.index ?? candidateIndex,
                        partIndex: partIndex
                    )
                )
            }
        }
        return images
    }

    /// The images that are the answer, not drafts from thinking.
    public var finalImages: [GeneratedImage] { images.filter { !$0.isThought } }

    /// The answer's text (thoughts excluded), parts joined.
    public var text: String {
        candidates.first?.content?.parts.filter { !$0.isThought }.compactMap(\.text).joined() ?? ""
    }

    /// The model's thoughts as text, when `includeThoughts` asked for them.
    public var thoughtText: String {
        candidates.first?.content?.parts.filter(\.isThought).compactMap(\.text).joined() ?? ""
    }

    public var outcome: GenerationOutcome {
        if let reason = promptFeedback?.blockReason {
            return .promptBlocked(reason, message: promptFeedback?.blockReasonMessage)
        }
        if !finalImages.isEmpty { return .images }
        let candidate = candidates.first
        if let reason = candidate?.finishReason, reason.isSafetyBlock {
            return .candidateBlocked(reason, message: candidate?.finishMessage)
        }
        return .noImage(candidate?.finishReason)
    }

    /// Joins the chunks of a streamed answer into the response `generateContent` would have given.
    ///
    /// Parts are appended in order per candidate. A text chunk (no inline data, nothing this
    /// client does not model) continues the previous part when that is text of the same kind
    /// (thought or answer) and the two are not both signed; the joined part keeps whichever
    /// signature came. Google streams one text part in several chunks and puts its thought
    /// signature on any one of them, often the last and sometimes on a chunk with empty text, and
    /// replaying that part without it is refused. Two signed parts stay two, and a signature-only
    /// chunk with nothing to continue (after an image) stays a part of its own.
    /// The last chunk's usage, finish reason and metadata win, as Google sends them last.
    public static func merge(_ chunks: [GenerateContentResponse]) -> GenerateContentResponse {
        var merged = GenerateContentResponse()
        var order: [Int] = []
        var byIndex: [Int: Candidate] = [:]
        for chunk in chunks {
            for (position, candidate) in chunk.candidates.enumerated() {
                let index = candidate.index ?? position
                var target = byIndex[index] ?? Candidate(content: Content(role: candidate.content?.role, parts: []), index: candidate.index)
                if byIndex[index] == nil { order.append(index) }
                for part in candidate.content?.parts ?? [] {
                    var parts = target.content?.parts ?? []
                    Part.appendStreamed(part, to: &parts)
                    if target.content == nil { target.content = Content(role: candidate.content?.role, parts: []) }
                    target.content?.parts = parts
                }
                if target.content?.role == nil { target.content?.role = candidate.content?.role }
                target.finishReason = candidate.finishReason ?? target.finishReason
                target.finishMessage = candidate.finishMessage ?? target.finishMessage
                target.safetyRatings = candidate.safetyRatings ?? target.safetyRatings
                target.groundingMetadata = candidate.groundingMetadata ?? target.groundingMetadata
                target.unknownFields.merge(candidate.unknownFields) { _, new in new }
                byIndex[index] = target
            }
            merged.promptFeedback = chunk.promptFeedback ?? merged.promptFeedback
            merged.usageMetadata = chunk.usageMetadata ?? merged.usageMetadata
            merged.modelVersion = chunk.modelVersion ?? merged.modelVersion
            merged.responseId = chunk.responseId ?? merged.responseId
            merged.unknownFields.merge(chunk.unknownFields) { _, new in new }
        }
        merged.candidates = order.compactMap { byIndex[$0] }
        return merged
    }
}
