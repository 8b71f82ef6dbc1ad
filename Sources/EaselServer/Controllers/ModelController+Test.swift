import EaselCore
import EaselStore
import Foundation
import Gemini
import Hummingbird

extension ModelController {
    /// What a model's test call found.
    struct TestView: ResponseEncodable {
        var ok: Bool
        /// `image`, `blocked`, `no_image` or `error`.
        var outcome: String
        var message: String
        var host: String
        var latencyMs: Int
        var attempts: Int
        var requestedAspectRatio: String
        @NullEncoded var requestedImageSize: String?
        @NullEncoded var width: Int?
        @NullEncoded var height: Int?
        @NullEncoded var honoredAspectRatio: Bool?
        @NullEncoded var upstreamStatus: Int?
        @NullEncoded var upstreamCode: String?
    }

    /// Sends one small image request through the model's route and reports what came back.
    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> TestView {
        let principal = try context.requirePrincipal()
        let model = try await managed(request, context: context, principal: principal)
        guard let route = try await models.route(model.id) else { throw AppError.notFound("No model with that id.") }
        let capabilities = model.capabilities
        // A non-square ratio shows whether a relay drops imageConfig (it would come back square).
        let ratio = capabilities.aspectRatios.contains("16:9") ? "16:9" : capabilities.aspectRatios.first { $0 != "1:1" } ?? "1:1"
        let size = capabilities.imageSizes.first
        var generate = GenerateContentRequest(
            contents: [.user(.text("A small red circle centred on a plain white background."))],
            generationConfig: GenerationConfig(responseModalities: [.image], imageConfig: ImageConfig(aspectRatio: ratio, imageSize: size))
        )
        if !model.systemInstruction.isEmpty { generate.systemInstruction = Content(parts: [.text(model.systemInstruction)]) }
        let started = ContinuousClock.now
        let (outcome, host) = await upstream.call(model, route: route, request: generate, streamed: false, timeout: .seconds(90), retry: .never)
        var result = TestView(
            ok: false,
            outcome: "error",
            message: "",
            host: host,
            latencyMs: (ContinuousClock.now - started).wholeMilliseconds,
            attempts: 0,
            requestedAspectRatio: ratio,
            requestedImageSize: size
        )
        switch outcome {
        case .answered(let response, let attempts):
            result.attempts = attempts.count
            switch response.outcome {
            case .images:
                let image = response.finalImages[0]
                result.width = image.width
                result.height = image.height
                let honored = image.width.flatMap { w in image.height.map { h in AspectRatioCheck.matches(width: w, height: h, ratio: ratio) } }
                result.honoredAspectRatio = honored
                result.ok = honored == true
                result.outcome = "image"
                result.message =
                    honored == true
                    ? "An image came back at \(image.width ?? 0)×\(image.height ?? 0), as \(ratio) asks."
                    : "An image came back at \(image.width.map(String.init) ?? "?")×\(image.height.map(String.init) ?? "?"), which is not \(ratio): the route may drop imageConfig."
            case .promptBlocked(let reason, _):
                result.outcome = "blocked"
                result.message = "The route answered, but the test prompt was blocked (\(reason))."
            case .candidateBlocked(let reason, _):
                result.outcome = "blocked"
                result.message = "The route answered, but the image was withheld (\(reason))."
            case .noImage(let reason):
                result.outcome = "no_image"
                result.message =
                    "The route answered without an image\(reason.map { " (finish reason \($0))" } ?? ""). Is \(model.apiModel) an image model?"
            }
        case .failed(let error):
            result.attempts = error.attempts.count
            result.upstreamStatus = error.httpStatus
            result.upstreamCode = error.googleStatus
            result.message = error.message
        case .refused(let refusal):
            result.latencyMs = 0
            result.requestedAspectRatio = ""
            result.requestedImageSize = nil
            result.message = refusal.message
        case .canceled(let attempts):
            result.attempts = attempts.count
            result.message = "The test was canceled before the route answered."
        }
        return result
    }
}
