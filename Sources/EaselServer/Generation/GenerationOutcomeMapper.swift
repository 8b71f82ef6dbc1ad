import EaselCore
import EaselStore
import Foundation
import Gemini

/// Turns how an upstream call went into the stored terminal state: the one place that decides
/// what `succeeded`, `blocked`, `failed` and `canceled` mean for a Gemini answer.
enum GenerationOutcomeMapper {
    /// The terminal state of a call, whatever its outcome.
    static func finish(
        _ outcome: UpstreamCaller.Outcome,
        host: String,
        started: ContinuousClock.Instant,
        options: GenerationOptions,
        apiModel: String
    ) -> GenerationQueue.Finish {
        switch outcome {
        case .answered(let response, let attempts):
            return finish(response, attempts: attempts, host: host, latency: .now - started, options: options, apiModel: apiModel)
        case .failed(let error):
            var failed = failure(error.attempts, kind: error.kind, message: error.message, host: host, started: started)
            // Google's 404 for an id it shut down says only "not found": say what happened.
            let today = ModelLifecycle.today()
            if case .api(404, _, _) = error.kind, ModelCatalog.isShutDown(apiModel, on: today),
                ModelCatalog.callableID(for: apiModel, on: today) == apiModel, let notice = ModelCatalog.notice(for: apiModel, on: today)
            {
                failed.errorCode = "model_shut_down"
                failed.errorMessage = notice
            }
            return failed
        case .refused(let refusal):
            var failed = GenerationQueue.Finish(status: .failed)
            failed.upstreamHost = host
            failed.latencyMs = 0
            failed.errorCode = refusal.code
            failed.errorMessage = refusal.message
            return failed
        case .canceled(let attempts):
            var canceled = GenerationQueue.Finish(status: .canceled, attempts: attempts.count)
            canceled.upstreamHost = host
            canceled.latencyMs = (ContinuousClock.now - started).wholeMilliseconds
            return canceled
        }
    }

    /// A call that ended without an answer: the upstream's error code, or what kept it from
    /// answering.
    static func failure(
        _ attempts: [GeminiAttempt],
        kind: GeminiError.Kind,
        message: String,
        host: String,
        started: ContinuousClock.Instant
    ) -> GenerationQueue.Finish {
        var failed = GenerationQueue.Finish(status: .failed, attempts: attempts.count)
        failed.upstreamHost = host
        failed.latencyMs = (ContinuousClock.now - started).wholeMilliseconds
        switch kind {
        case .deadlineExceeded:
            failed.errorCode = "deadline_exceeded"
        case .api(_, let status, _):
            failed.errorCode = status ?? "upstream_error"
        default:
            failed.errorCode = "upstream_unreachable"
        }
        failed.errorMessage = message
        return failed
    }

    static func finish(
        _ response: GenerateContentResponse,
        attempts: [GeminiAttempt],
        host: String,
        latency: Duration,
        options: GenerationOptions,
        apiModel: String
    ) -> GenerationQueue.Finish {
        var finish = GenerationQueue.Finish(status: .succeeded, attempts: attempts.count)
        finish.upstreamHost = host
        finish.latencyMs = latency.wholeMilliseconds
        finish.modelVersion = response.modelVersion
        finish.responseID = response.responseId
        let text = response.text
        finish.responseText = text.isEmpty ? nil : text
        finish.finishReason = response.candidates.first?.finishReason?.rawValue
        if let usage = response.usageMetadata {
            finish.promptTokens = usage.promptTokenCount
            finish.outputTokens = usage.candidatesTokenCount
            finish.thoughtTokens = usage.thoughtsTokenCount
            finish.totalTokens = usage.totalTokenCount
            finish.imageTokens = usage.candidatesTokensDetails?.filter { $0.modality?.rawValue.uppercased() == "IMAGE" }
                .reduce(0) { $0 + ($1.tokenCount ?? 0) }
            finish.promptImageTokens = usage.promptTokensDetails?.filter { $0.modality?.rawValue.uppercased() == "IMAGE" }
                .reduce(0) { $0 + ($1.tokenCount ?? 0) }
            finish.usageJSON = (try? JSONEncoder().encode(usage)).map { String(decoding: $0, as: UTF8.self) }
        }
        if let grounding = response.candidates.first?.groundingMetadata {
            finish.groundingJSON = (try? JSONEncoder().encode(grounding)).map { String(decoding: $0, as: UTF8.self) }
        }
        switch response.outcome {
        case .images:
            // Stored images are served from Easel's own origin, so they are judged by their bytes,
            // never by the type the upstream declared (see `storable`).
            do throws(BadImage) {
                finish.outputs = try Self.storable(response.finalImages)
            } catch {
                finish.status = .failed
                finish.errorCode = "upstream_bad_image"
                finish.errorMessage = error.message
                break
            }
            finish.answer = answerParts(response)
            if let first = response.finalImages.first, let width = first.width, let height = first.height {
                finish.honoredImageConfig = honored(width: width, height: height, options: options, apiModel: apiModel)
            }
        case .promptBlocked(let reason, let message):
            finish.status = .blocked
            finish.blockReason = reason.rawValue
            finish.errorMessage = message ?? "Google declined the prompt (\(reason))."
        case .candidateBlocked(let reason, let message):
            finish.status = .blocked
            finish.blockReason = reason.rawValue
            finish.errorMessage = message ?? "Google withheld the image (\(reason))."
        case .noImage(let reason):
            // An answer without an image is a success when only text was asked for.
            if options.responseModalities == ["TEXT"] {
                finish.answer = answerParts(response)
                break
            }
            finish.status = .failed
            finish.errorCode = "no_image"
            finish.errorMessage = "The model answered without an image\(reason.map { " (finish reason \($0))" } ?? "")."
        }
        return finish
    }

    struct BadImage: Error {
        var message: String
    }

    /// The answer's images as stored: only what Gemini returns (PNG, JPEG, WebP) is kept, under
    /// the type its bytes show. Anything else (an SVG, HTML, a HEIC no browser shows) fails the
    /// generation rather than being stored and served.
    static func storable(_ images: [GeneratedImage]) throws(BadImage) -> [ImageData] {
        try images.map { (image) throws(BadImage) in
            guard let format = image.format, [.png, .jpeg, .webp].contains(format) else {
                let bytes = image.format.map { $0.rawValue.uppercased() } ?? "no image format Easel reads"
                throw BadImage(
                    message:
                        "The upstream returned an image declared \(image.mimeType.prefix(64)) whose bytes are \(bytes); only PNG, JPEG and WebP are accepted."
                )
            }
            return ImageData(
                data: image.data,
                mimeType: format.mimeType,
                width: image.width,
                height: image.height,
                thoughtSignature: image.thoughtSignature
            )
        }
    }

    /// Whether the image has what was asked: the aspect ratio (within rounding), and for a
    /// requested size of a known model family, Google's pixel dimensions for it (within 2%).
    /// Nil when nothing was asked. Relays are known to drop `imageConfig` silently.
    static func honored(width: Int, height: Int, options: GenerationOptions, apiModel: String) -> Bool? {
        var honored: Bool? = nil
        if let ratio = options.aspectRatio {
            honored = AspectRatioCheck.matches(width: width, height: height, ratio: ratio)
        }
        if let size = options.imageSize, let family = ImageModelFamily.family(ofModel: apiModel),
            let expected = family.dimensions(aspectRatio: options.aspectRatio, imageSize: size)
        {
            let close = abs(width - expected.width) <= expected.width / 50 && abs(height - expected.height) <= expected.height / 50
            honored = (honored ?? true) && close
        }
        return honored
    }

    /// The answer as later turns replay it: its non-thought parts in order, images by position.
    static func answerParts(_ response: GenerateContentResponse) -> [GenerationQueue.AnswerPart] {
        var parts: [GenerationQueue.AnswerPart] = []
        var imagePosition = 0
        for part in response.candidates.first?.content?.parts ?? [] where !part.isThought {
            if let inline = part.inlineData, inline.mimeType.hasPrefix("image/") {
                parts.append(.init(image: imagePosition, thoughtSignature: part.thoughtSignature))
                imagePosition += 1
            } else if part.text != nil || part.thoughtSignature != nil {
                parts.append(.init(text: part.text ?? "", thoughtSignature: part.thoughtSignature))
            }
        }
        return parts
    }
}
