import EaselCore
import EaselStore
import Foundation
import Gemini

/// The Gemini request for a generation: the model's system instruction, the prompt and inputs,
/// and the options as Google names them.
enum GenerationRequestBuilder {
    static func build(
        model: ModelRecord,
        options: GenerationOptions,
        inputs: [ImageData],
        history: [GenerationQueue.Turn] = []
    ) -> GenerateContentRequest {
        // Earlier turns exactly as they went: what the user sent, then the model's answer with
        // its text, images and thought signatures in their original order.
        var contents: [Content] = []
        for turn in history {
            contents.append(userContent(prompt: turn.prompt, inputs: turn.inputs))
            // Answers stored before streamed chunks were joined by their signature hold a
            // signed empty text after the unsigned text it belongs to: joined here the same way.
            var answer: [Part] = []
            for part in turn.answer {
                if let position = part.image {
                    let image = turn.outputs[position]
                    var imagePart = Part.image(image.data, mimeType: image.mimeType)
                    imagePart.thoughtSignature = part.thoughtSignature
                    answer.append(imagePart)
                } else {
                    Part.appendStreamed(Part(text: part.text ?? "", thoughtSignature: part.thoughtSignature), to: &answer)
                }
            }
            if !answer.isEmpty { contents.append(.model(answer)) }
        }
        contents.append(userContent(prompt: options.prompt, inputs: inputs))
        let capabilities = model.capabilities
        let imageConfig = ImageConfig(
            aspectRatio: options.aspectRatio ?? capabilities.defaultAspectRatio,
            imageSize: options.imageSize ?? capabilities.defaultImageSize
        )
        var request = GenerateContentRequest(
            contents: contents,
            generationConfig: GenerationConfig(
                responseModalities: (options.responseModalities ?? ["TEXT", "IMAGE"]).map { Modality(rawValue: $0) },
                imageConfig: imageConfig.aspectRatio == nil && imageConfig.imageSize == nil ? nil : imageConfig,
                thinkingConfig: options.thinkingLevel.map { ThinkingConfig(thinkingLevel: $0) }
            )
        )
        if !model.systemInstruction.isEmpty {
            request.systemInstruction = Content(parts: [.text(model.systemInstruction)])
        }
        if options.imageSearch {
            // Image search, with web search too when grounding asked for it.
            request.tools = [Tool(googleSearch: GoogleSearch(searchTypes: SearchTypes(webSearch: options.grounding, imageSearch: true)))]
        } else if options.grounding {
            request.tools = [Tool(googleSearch: GoogleSearch())]
        }
        request.serviceTier = options.serviceTier
        return request
    }

    static func userContent(prompt: String, inputs: [ImageData]) -> Content {
        var parts: [Part] = []
        if !prompt.isEmpty { parts.append(.text(prompt)) }
        parts += inputs.map { Part.image($0.data, mimeType: $0.mimeType) }
        return Content(role: "user", parts: parts)
    }
}
