import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Google's REST protocol for the image models, answered locally.
struct GeminiSimulator: Sendable {
    let configuration: SimulatorConfiguration
    let state: SimulatorState

    struct Failure: Error {
        var status: Int
        var message: String
        var retryAfter: Int? = nil

        /// Google's error object, as JSON text.
        var body: String {
            let body = GoogleErrorBody(code: status, message: message, status: GoogleErrorBody.status(forHTTPCode: status))
            return String(decoding: (try? JSONEncoder().encode(body)) ?? Data(), as: UTF8.self)
        }

        func response() -> Response {
            var headers: HTTPFields = [.contentType: "application/json; charset=UTF-8"]
            if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
            let data = Data(body.utf8)
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
        }
    }

    /// A deliberate disconnect, to cut a body short.
    struct SimulatedDisconnect: Error {}

    /// Thrown by a handler, closes the connection with no response at all (Hummingbird answers
    /// any other error with a 500).
    static var unanswered: any Error { HTTPParserError.invalidEOFState }

    func listModels(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        if let failure = authenticate(request) { return failure.response() }
        let models: [JSONValue] = ServedModels.served(on: configuration.day).map { id, family in
            .object([
                "name": .string("models/\(id)"),
                "displayName": .string(family.displayName),
                "supportedGenerationMethods": .array([.string("generateContent"), .string("streamGenerateContent"), .string("countTokens")]),
            ])
        }
        let data = try JSONEncoder().encode(JSONValue.object(["models": .array(models)]))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    func handle(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        do {
            return try await answer(request, context)
        } catch let failure as Failure {
            return failure.response()
        }
    }

    func authenticate(_ request: Request) -> Failure? {
        guard let expected = configuration.apiKey else { return nil }
        let given = request.headers[HTTPField.Name("x-goog-api-key")!] ?? request.uri.queryParameters.get("key")
        guard let given else {
            return Failure(
                status: 403,
                message:
                    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."
            )
        }
        guard given == expected else {
            return Failure(status: 403, message: "API key not valid. Please pass a valid API key.")
        }
        return nil
    }

    func answer(_ request: Request, _ context: SimulatorRequestContext) async throws -> Response {
        let target = try context.parameters.require("target")
        guard let colon = target.lastIndex(of: ":") else {
            throw Failure(status: 404, message: "Method not found: \(target)")
        }
        let model = String(target[..<colon])
        let method = String(target[target.index(after: colon)...])
        guard ["generateContent", "streamGenerateContent", "countTokens"].contains(method) else {
            throw Failure(status: 404, message: "Method \(method) is not found for models/\(model).")
        }
        if let failure = authenticate(request) { throw failure }
        guard let family = ImageModelFamily.family(ofModel: model), ServedModels.isServed(model, on: configuration.day) else {
            throw Failure(
                status: 404,
                message:
                    "models/\(model) is not found for API version v1beta, or is not supported for \(method). Call ListModels to see the list of available models and their supported methods."
            )
        }

        let body = try await request.body.collect(upTo: context.maxUploadSize)
        if method == "countTokens" {
            return try countTokens(model: model, body: body, raw: (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null, request: request)
        }
        let generateRequest: GenerateContentRequest
        do {
            generateRequest = try JSONDecoder().decode(GenerateContentRequest.self, from: body)
        } catch {
            throw Failure(status: 400, message: "Invalid JSON payload received. \(Self.describe(error))")
        }
        let raw = (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null
        state.record(
            .init(
                model: model,
                method: method,
                query: request.uri.query,
                apiKeyHeader: request.headers[HTTPField.Name("x-goog-api-key")!],
                body: raw.shortened()
            )
        )

        try RequestValidator(family: family).validate(generateRequest)

        let prompt = generateRequest.contents.last(where: { $0.role != "model" })?.parts.compactMap(\.text).joined(separator: "\n") ?? ""
        let directives = Directives(parsing: prompt)
        let delay = configuration.latency + .milliseconds(directives.latencyMilliseconds ?? 0)
        if delay > .zero { try await Task.sleep(for: delay) }

        if let hang = directives.hangMilliseconds {
            try? await Task.sleep(for: .milliseconds(hang))
            throw Self.unanswered
        }
        if directives.reset { throw Self.unanswered }
        if let failFirst = directives.failFirst {
            // Only the first N attempts fail, with `status` when one is given.
            if state.nextAttempt(forPrompt: prompt) <= failFirst {
                let status = directives.status ?? 503
                throw Failure(status: status, message: Self.message(forStatus: status), retryAfter: directives.retryAfterSeconds)
            }
        } else if let status = directives.status {
            throw Failure(status: status, message: Self.message(forStatus: status), retryAfter: directives.retryAfterSeconds)
        }

        let factory = ResponseFactory(family: family, model: model, request: generateRequest, prompt: prompt, directives: directives)
        let chunks = factory.chunks()
        if method == "generateContent" {
            let data = try JSONEncoder.google.encode(GenerateContentResponse.merge(chunks))
            if !directives.truncate { state.answered(prompt) }
            return jsonResponse(data, truncate: directives.truncate)
        }
        let sse = request.uri.queryParameters.get("alt") == "sse"
        return streamResponse(chunks, sse: sse, directives: directives, prompt: prompt)
    }

    /// `countTokens`: `contents`, or a whole `generateContentRequest`, counted as the answers'
    /// `usageMetadata.promptTokenCount` counts them (Google's reference: `totalTokens`, with
    /// `promptTokensDetails` by modality).
    func countTokens(model: String, body: ByteBuffer, raw: JSONValue, request: Request) throws -> Response {
        state.record(
            .init(
                model: model,
                method: "countTokens",
                query: request.uri.query,
                apiKeyHeader: request.headers[HTTPField.Name("x-goog-api-key")!],
                body: raw.shortened()
            )
        )
        struct CountTokensBody: Decodable {
            var contents: [Content]?
            var generateContentRequest: GenerateContentRequest?
        }
        let parsed: CountTokensBody
        do {
            parsed = try JSONDecoder().decode(CountTokensBody.self, from: body)
        } catch {
            throw Failure(status: 400, message: "Invalid JSON payload received. \(Self.describe(error))")
        }
        let counted = parsed.generateContentRequest ?? GenerateContentRequest(contents: parsed.contents ?? [])
        guard !counted.contents.isEmpty else { throw Failure(status: 400, message: "* CountTokensRequest.contents: contents is not specified\n") }
        guard let family = ImageModelFamily.family(ofModel: model), ServedModels.isServed(model, on: configuration.day) else {
            throw Failure(status: 404, message: "models/\(model) is not found.")
        }
        let factory = ResponseFactory(family: family, model: model, request: counted, prompt: "", directives: Directives(parsing: ""))
        let details: [JSONValue] = [("TEXT", factory.textTokens), ("IMAGE", factory.inputImageCount * 258)].filter { $0.1 > 0 }.map {
            .object(["modality": .string($0.0), "tokenCount": .number(Double($0.1))])
        }
        let answer = JSONValue.object(["totalTokens": .number(Double(factory.promptTokens)), "promptTokensDetails": .array(details)])
        return jsonResponse(try JSONEncoder.google.encode(answer), truncate: false)
    }

    func jsonResponse(_ data: Data, truncate: Bool) -> Response {
        let headers: HTTPFields = [.contentType: "application/json; charset=UTF-8", .contentLength: "\(data.count)"]
        guard truncate else {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
        }
        let half = ByteBuffer(data: data.prefix(data.count / 2))
        return Response(
            status: .ok,
            headers: headers,
            body: .init(contentLength: data.count) { writer in
                try await writer.write(half)
                throw SimulatedDisconnect()
            }
        )
    }

    /// Server-sent events framed as Google frames them (`data: <json>` and CRLF CRLF), or with
    /// `alt` absent, a JSON array written element by element.
    func streamResponse(_ chunks: [GenerateContentResponse], sse: Bool, directives: Directives, prompt: String) -> Response {
        let state = self.state
        let contentType = sse ? "text/event-stream" : "application/json; charset=UTF-8"
        return Response(
            status: .ok,
            headers: [.contentType: contentType],
            body: .init { writer in
                let encoder = JSONEncoder.google
                if !sse { try await writer.write(ByteBuffer(string: "[")) }
                for (index, chunk) in chunks.enumerated() {
                    let isLast = index == chunks.count - 1
                    if isLast, let token = directives.holdToken { await state.hold(token) }
                    let json = try encoder.encode(chunk)
                    var buffer = ByteBuffer()
                    if sse {
                        buffer.writeString("data: ")
                        buffer.writeBytes(json)
                        buffer.writeString("\r\n\r\n")
                    } else {
                        if index > 0 { buffer.writeString(",\r\n") }
                        buffer.writeBytes(json)
                    }
                    if isLast, directives.truncate {
                        try await writer.write(buffer.getSlice(at: 0, length: buffer.readableBytes / 2)!)
                        throw SimulatedDisconnect()
                    }
                    try await writer.write(buffer)
                    if directives.streamError {
                        // An error after the answer began: Google's error object as the next
                        // (last) element, then the end of the stream.
                        let error = Failure(status: 500, message: Self.message(forStatus: 500)).body
                        try await writer.write(ByteBuffer(string: sse ? "data: \(error)\r\n\r\n" : ",\r\n\(error)]"))
                        try await writer.finish(nil)
                        return
                    }
                }
                if !sse { try await writer.write(ByteBuffer(string: "]")) }
                try await writer.finish(nil)
                state.answered(prompt)
            }
        )
    }

    static func message(forStatus status: Int) -> String {
        switch status {
        case 429: return "Resource has been exhausted (e.g. check quota)."
        case 500: return "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
        case 503: return "The model is overloaded. Please try again later."
        case 504: return "The request timed out. Please try again."
        case 400: return "Request contains an invalid argument."
        case 401: return "Request had invalid authentication credentials."
        case 403: return "The caller does not have permission."
        case 404: return "Requested entity was not found."
        default: return "Simulated error \(status)."
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "The body is not valid JSON." : "Invalid value at '\(path)': \(context.debugDescription)"
        case DecodingError.typeMismatch(_, let context):
            return "Invalid value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'."
        default:
            return "\(error)"
        }
    }
}
