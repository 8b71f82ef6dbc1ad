import Gemini

/// Refuses what Google refuses, with Google's status and wording where it is known.
struct RequestValidator {
    let family: ImageModelFamily
    static let imageTypes: Set<String> = ["image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"]

    func validate(_ request: GenerateContentRequest) throws {
        typealias Failure = GeminiSimulator.Failure
        guard !request.contents.isEmpty else {
            throw Failure(status: 400, message: "* GenerateContentRequest.contents: contents is not specified\n")
        }
        var inputImages = 0
        for (contentIndex, content) in request.contents.enumerated() {
            if let role = content.role, role != "user", role != "model" {
                throw Failure(status: 400, message: "Please use a valid role: user, model.")
            }
            guard !content.parts.isEmpty else {
                throw Failure(
                    status: 400,
                    message: "* GenerateContentRequest.contents[\(contentIndex)].parts: contents.parts must not be empty.\n"
                )
            }
            for (partIndex, part) in content.parts.enumerated() {
                guard let inline = part.inlineData else { continue }
                guard Self.imageTypes.contains(inline.mimeType.lowercased()) else {
                    throw Failure(status: 400, message: "Unsupported MIME type: \(inline.mimeType)")
                }
                guard !inline.data.isEmpty else {
                    throw Failure(
                        status: 400,
                        message: "* GenerateContentRequest.contents[\(contentIndex)].parts[\(partIndex)].inline_data.data: data must not be empty\n"
                    )
                }
                if content.role != "model" { inputImages += 1 }
            }
        }
        if inputImages > family.maxInputImages {
            throw Failure(
                status: 400,
                message: "Too many input images: \(inputImages). \(family.displayName) accepts at most \(family.maxInputImages)."
            )
        }
        if let signature = request.contents.flatMap(\.parts).compactMap(\.thoughtSignature).first(where: { Base64.decode($0) == nil }) {
            throw Failure(status: 400, message: "Invalid thought_signature: '\(signature.prefix(16))…' is not base64.")
        }
        if family.requiresThoughtSignatures {
            for (contentIndex, content) in request.contents.enumerated() where content.role == "model" {
                try validateSignatures(of: content, at: contentIndex)
            }
        }

        // google-genai's `ServiceTier` enum (3.6.1): unspecified, standard, flex, priority; the
        // SDKs send them in lower case, and Google's enum parsing ignores case.
        if let tier = request.serviceTier, !["unspecified", "standard", "flex", "priority"].contains(tier.lowercased()) {
            throw Failure(
                status: 400,
                message:
                    "Invalid value at 'service_tier' (type.googleapis.com/google.ai.generativelanguage.v1beta.ServiceTier), \"\(tier)\""
            )
        }
        let config = request.generationConfig
        for modality in config?.responseModalities ?? [] where modality.rawValue.uppercased() != "TEXT" && modality.rawValue.uppercased() != "IMAGE" {
            throw Failure(
                status: 400,
                message: "* GenerateContentRequest.generation_config.response_modalities: Unsupported modality: \(modality.rawValue)\n"
            )
        }
        if let count = config?.candidateCount, count > 1 {
            throw Failure(status: 400, message: "Multiple candidates is not enabled for models/\(family.id).")
        }
        if let ratio = config?.imageConfig?.aspectRatio, !family.aspectRatios.contains(ratio) {
            throw Failure(
                status: 400,
                message:
                    "* GenerateContentRequest.generation_config.image_config.aspect_ratio: Unsupported aspect ratio: \(ratio). Supported values are: \(family.aspectRatios.joined(separator: ", ")).\n"
            )
        }
        if let size = config?.imageConfig?.imageSize {
            if family.imageSizes.isEmpty {
                throw Failure(
                    status: 400,
                    message:
                        "* GenerateContentRequest.generation_config.image_config.image_size: image_size is not supported by models/\(family.id).\n"
                )
            }
            if !family.imageSizes.contains(size) {
                throw Failure(
                    status: 400,
                    message:
                        "* GenerateContentRequest.generation_config.image_config.image_size: Unsupported image size: \(size). Supported values are: \(family.imageSizes.joined(separator: ", ")) (an upper-case K).\n"
                )
            }
        }
        if let level = config?.thinkingConfig?.thinkingLevel, !family.thinkingLevels.contains(level.lowercased()) {
            let supported =
                family.thinkingLevels.isEmpty
                ? "none: thinking level is not adjustable for this model" : family.thinkingLevels.joined(separator: ", ")
            throw Failure(
                status: 400,
                message:
                    "* GenerateContentRequest.generation_config.thinking_config.thinking_level: Unsupported thinking level: \(level). Supported: \(supported).\n"
            )
        }
        for tool in request.tools ?? [] {
            guard let search = tool.googleSearch else { continue }
            if !family.supportsGrounding {
                throw Failure(status: 400, message: "Search as tool is not enabled for models/\(family.id)")
            }
            if search.searchTypes?.imageSearch != nil, !family.supportsImageSearch {
                throw Failure(status: 400, message: "Image search is not supported for models/\(family.id)")
            }
        }
    }

    /// Google's rules for a model turn of Gemini 3: every image that is not a thought carries its
    /// signature, and so does the first part after the thoughts when it is text (later text
    /// parts carry none); each signature given must be one the model issued, byte for byte.
    func validateSignatures(of content: Content, at contentIndex: Int) throws {
        typealias Failure = GeminiSimulator.Failure
        var seenAnswerPart = false
        for (partIndex, part) in content.parts.enumerated() {
            let isFirstAnswerPart = !part.isThought && !seenAnswerPart
            if !part.isThought { seenAnswerPart = true }
            if let signature = part.thoughtSignature {
                guard ThoughtSignatures.isValid(signature) else {
                    throw Failure(status: 400, message: "Unable to submit request because Thought signature is not valid.")
                }
                continue
            }
            guard !part.isThought else { continue }
            let kind: String
            if part.inlineData != nil {
                kind = "Image"
            } else if isFirstAnswerPart, part.text != nil {
                kind = "Text"
            } else {
                continue
            }
            throw Failure(
                status: 400,
                message:
                    "\(kind) part is missing a thought_signature in content position \(contentIndex + 1), part position \(partIndex + 1). Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
            )
        }
    }
}
