import EaselStore
import EaselTestSupport
import Foundation
import Gemini
import HTTPTypes
import HummingbirdTesting
import ImageKit
import NIOCore
import PostgresNIO
import Testing

@testable import EaselServer

/// Multi-turn editing, branching, uploads, previews, grounding, history filters and the
/// ends a generation can come to, end to end through the simulator.
@Suite struct ConversationTests {
    static let flash3 = "gemini-3.1-flash-image-preview"

    func generate(_ studio: Studio, _ caller: Caller, _ json: String) async throws -> JSONValue {
        let response = try await studio.client.call(.post, "/api/v1/generations?wait=30", as: caller, json: json)
        #expect(response.status == .ok, "\(response.text)")
        return response.json
    }

    @Test func aSecondTurnReplaysTheFirstWithItsSignatureAndImage() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models[Self.flash3]!
            let first = try await generate(studio, key, #"{"modelId":"\#(model)","prompt":"a red car","imageSize":"512"}"#)
            #expect(first["status"] == .string("succeeded"))
            let conversation = try #require(first["conversationId"]?.stringValue)
            let second = try await generate(
                studio,
                key,
                #"{"modelId":"\#(model)","prompt":"make it a convertible","conversationId":"\#(conversation)","imageSize":"512"}"#
            )
            // Gemini 3 refuses a history whose image lacks its signature: success proves it was sent.
            #expect(second["status"] == .string("succeeded"), "\(second)")
            #expect(second["parentId"] == first["id"])
            #expect(second["conversationId"] == first["conversationId"])

            let upstream = try await studio.upstreamRequests()
            let body = try #require(upstream.last?["body"])
            let contents = body["contents"]?.arrayValue ?? []
            #expect(contents.count == 3)
            #expect(contents.map { $0["role"]?.stringValue } == ["user", "model", "user"])
            #expect(contents[0]["parts"]?[0]?["text"] == .string("a red car"))
            let stored = try await studio.db.query(
                """
                SELECT gi.thought_signature FROM generation_images gi JOIN generations g ON g.id = gi.generation_id
                WHERE g.prompt = 'a red car' AND gi.role = 'output'
                """,
                logger: TestDatabase.logger
            ).collect().first!.decode(String?.self)
            let imagePart = try #require(contents[1]["parts"]?.arrayValue.first { $0["inlineData"] != nil })
            #expect(stored != nil && imagePart["thoughtSignature"]?.stringValue == stored)
            #expect(contents[1]["parts"]?.arrayValue.first { $0["text"] != nil }?["thoughtSignature"] != nil)
            #expect(contents[2]["parts"]?[0]?["text"] == .string("make it a convertible"))
            // The model config's system instruction goes with every turn.
            #expect(body["systemInstruction"]?["parts"]?[0]?["text"] == .string("Always draw in watercolour."))
            // The image was stored once, however many turns reference it.
            let images = try await studio.db.query("SELECT count(*)::int FROM images", logger: TestDatabase.logger).collect().first!.decode(Int.self)
            #expect(images == 2)
        }
    }

    @Test func aBranchReplaysOnlyItsOwnAncestors() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models[Self.flash3]!
            let first = try await generate(studio, key, #"{"modelId":"\#(model)","prompt":"a cabin","imageSize":"512"}"#)
            let conversation = try #require(first["conversationId"]?.stringValue)
            _ = try await generate(studio, key, #"{"modelId":"\#(model)","prompt":"add snow","conversationId":"\#(conversation)","imageSize":"512"}"#)
            let firstID = try #require(first["id"]?.stringValue)
            let branch = try await generate(
                studio,
                key,
                #"{"modelId":"\#(model)","prompt":"make it summer","parentId":"\#(firstID)","imageSize":"512"}"#
            )
            #expect(branch["status"] == .string("succeeded"))
            #expect(branch["parentId"] == .string(firstID.uppercased()) || branch["parentId"] == .string(firstID))
            let contents = try await studio.upstreamRequests().last?["body"]?["contents"]?.arrayValue ?? []
            #expect(contents.compactMap { $0["parts"]?[0]?["text"]?.stringValue }.filter { !$0.hasPrefix("sim") }.first == "a cabin")
            #expect(contents.count == 3)
            #expect(!contents.contains { $0["parts"]?[0]?["text"] == .string("add snow") })

            // The conversation holds all three turns, each naming its parent.
            let timeline = try await studio.client.call(.get, "/api/v1/conversations/\(conversation)", as: key)
            #expect(timeline.status == .ok)
            let turns = timeline.json["turns"]?.arrayValue ?? []
            #expect(turns.count == 3)
            #expect(turns.filter { $0["parentId"] == first["id"] }.count == 2)
        }
    }

    @Test func anotherTenantsConversationTurnOrImageIsNotFound() async throws {
        try await withStudioEnvironment { studio in
            let acme = Caller.key(studio.world.acmeMemberKey)
            let globex = Caller.key(studio.world.globexMemberKey)
            let model = studio.models["gemini-2.5-flash-image"]!
            let first = try await generate(studio, acme, #"{"modelId":"\#(model)","prompt":"acme only"}"#)
            let conversation = try #require(first["conversationId"]?.stringValue)
            let turn = try #require(first["id"]?.stringValue)
            let image = try #require(first["images"]?[0]?["id"]?.stringValue)
            let attempts: [(String, String, Int, String)] = [
                (#""conversationId":"\#(conversation)""#, "unknown_conversation", 404, "conversationId"),
                (#""parentId":"\#(turn)""#, "unknown_generation", 404, "parentId"),
                (#""inputImageIds":["\#(image)"]"#, "unknown_image", 404, "inputImageIds[0]"),
            ]
            for (field, code, status, name) in attempts {
                let response = try await studio.client.call(
                    .post,
                    "/api/v1/generations",
                    as: globex,
                    json: #"{"modelId":"\#(model)","prompt":"steal",\#(field)}"#
                )
                #expect(Int(response.status.code) == status, "\(field): \(response.text)")
                #expect(response.errorCode == code)
                #expect(response.json["error"]?["field"] == .string(name))
            }
            #expect(try await studio.client.call(.get, "/api/v1/conversations/\(conversation)", as: globex).status == .notFound)
            #expect(try await studio.client.call(.delete, "/api/v1/conversations/\(conversation)", as: globex).status == .notFound)
            #expect(try await studio.client.call(.get, "/api/v1/images/\(image)/preview", as: globex).status == .notFound)
            let leaked = try await studio.db.query(
                "SELECT count(*)::int FROM generations WHERE tenant_id = \(studio.world.globex)",
                logger: TestDatabase.logger
            ).collect().first!.decode(Int.self)
            #expect(leaked == 0)
            // With several ids, the error names the first that is not the tenant's own.
            let own = try await generate(studio, globex, #"{"modelId":"\#(model)","prompt":"globex's own"}"#)
            let ownImage = try #require(own["images"]?[0]?["id"]?.stringValue)
            let mixed = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: globex,
                json: #"{"modelId":"\#(model)","prompt":"mix","inputImageIds":["\#(ownImage)","\#(image)"]}"#
            )
            #expect(mixed.status == .notFound && mixed.json["error"]?["field"] == .string("inputImageIds[1]"), "\(mixed.text)")
            let reused = try await generate(
                studio,
                globex,
                #"{"modelId":"\#(model)","prompt":"again","inputImageIds":["\#(ownImage)","\#(ownImage)"]}"#
            )
            #expect(reused["inputImages"]?.arrayValue.count == 2, "\(reused)")
        }
    }

    @Test func conversationsAreListedRenamedAndDeleted() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-2.5-flash-image"]!
            let first = try await generate(studio, key, #"{"modelId":"\#(model)","prompt":"a teapot on a windowsill\nwith morning light"}"#)
            let conversation = try #require(first["conversationId"]?.stringValue)
            _ = try await generate(studio, key, #"{"modelId":"\#(model)","prompt":"now blue","conversationId":"\#(conversation)"}"#)
            let list = try await studio.client.call(.get, "/api/v1/conversations", as: key)
            let item = try #require(list.json["items"]?[0])
            #expect(item["title"] == .string("a teapot on a windowsill"))
            #expect(item["turnCount"] == .number(2))
            #expect(item["previewUrl"]?.stringValue?.hasSuffix("/preview") == true)
            #expect(
                try await studio.client.call(.get, "/api/v1/conversations", as: .key(studio.world.globexMemberKey)).json["items"]?.arrayValue.isEmpty
                    == true
            )

            let renamed = try await studio.client.call(.patch, "/api/v1/conversations/\(conversation)", as: key, json: #"{"title":"Teapot"}"#)
            #expect(renamed.json["title"] == .string("Teapot"))
            let empty = try await studio.client.call(.patch, "/api/v1/conversations/\(conversation)", as: key, json: #"{"title":"  "}"#)
            #expect(empty.status == .badRequest && empty.json["error"]?["field"] == .string("title"))

            #expect(try await studio.client.call(.delete, "/api/v1/conversations/\(conversation)", as: key).status == .noContent)
            #expect(try await studio.client.call(.get, "/api/v1/conversations/\(conversation)", as: key).status == .notFound)
            // The generations stay in history, outside any conversation.
            let history = try await studio.client.call(.get, "/api/v1/generations", as: key).json["items"]?.arrayValue ?? []
            #expect(history.count == 2 && history.allSatisfy { $0["conversationId"] == .null })
        }
    }

    static func multipart(boundary: String, fields: [(String, String)], files: [(String, String, Data)]) -> ByteBuffer {
        var body = ByteBuffer()
        for (name, value) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for (filename, type, data) in files {
            body.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"images\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n"
            )
            body.writeBytes(data)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return body
    }

    @Test func multipartUploadsAreCheckedByTheirBytes() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-2.5-flash-image"]!
            let png = PNGEncoder.encode(RGBImage(width: 600, height: 300, pixels: [UInt8](repeating: 90, count: 600 * 300 * 3)))
            func post(_ fields: [(String, String)], _ files: [(String, String, Data)]) async throws -> TestResponse {
                var headers = key.headers
                headers[.contentType] = "multipart/form-data; boundary=easel-boundary"
                return try await studio.client.execute(
                    uri: "/api/v1/generations?wait=30",
                    method: .post,
                    headers: headers,
                    body: Self.multipart(boundary: "easel-boundary", fields: fields, files: files)
                )
            }
            let edited = try await post(
                [("modelId", model), ("prompt", "add a hat"), ("aspectRatio", "")],
                [("photo.png", "application/octet-stream", png)]
            )
            #expect(edited.status == .ok, "\(edited.text)")
            #expect(edited.json["status"] == .string("succeeded"))
            let input = try #require(edited.json["inputImageIds"]?[0]?.stringValue)
            // The upload got a server-side preview: 512 px on its longer side.
            let preview = try await studio.client.call(.get, "/api/v1/images/\(input)/preview", as: key)
            #expect(PNGDecoder.decode(Data(buffer: preview.body)).map { [$0.width, $0.height] } == [512, 256])

            let gif = try await post([("modelId", model), ("prompt", "x")], [("a.gif", "image/gif", Data("GIF89a....".utf8))])
            #expect(gif.status == .unsupportedMediaType && gif.errorCode == "unsupported_image")
            #expect(gif.json["error"]?["field"] == .string("images[0]"))
            let lying = try await post([("modelId", model), ("prompt", "x")], [("a.jpg", "image/jpeg", png)])
            #expect(lying.status == .badRequest && lying.json["error"]?["field"] == .string("images[0]"))
            let noModel = try await post([("prompt", "x")], [])
            #expect(noModel.status == .badRequest && noModel.json["error"]?["field"] == .string("modelId"))
            var headers = key.headers
            headers[.contentType] = "multipart/form-data"
            let noBoundary = try await studio.client.execute(
                uri: "/api/v1/generations",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "x")
            )
            #expect(noBoundary.status == .badRequest && noBoundary.errorCode == "invalid_multipart")
        }
    }

    /// Gemini takes WebP inputs; the upload gets a preview within its bound, as JPEG.
    @Test func aWebPInputGetsAPreviewWithinItsBound() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-3.1-flash-image-preview"]!
            let webp = TestImages.lossyWebP.base64EncodedString()
            let edited = try await generate(
                studio,
                key,
                #"{"modelId":"\#(model)","prompt":"sharpen it","images":[{"mimeType":"image/webp","data":"\#(webp)"}],"imageSize":"512"}"#
            )
            #expect(edited["status"] == .string("succeeded"), "\(edited)")
            let input = try #require(edited["inputImageIds"]?[0]?.stringValue)
            let preview = try await studio.client.call(.get, "/api/v1/images/\(input)/preview", as: key)
            #expect(preview.status == .ok && preview.headers[.contentType] == "image/jpeg")
            let decoded = try #require(JPEGCodec.decode(Data(buffer: preview.body)))
            #expect(decoded.width == 512 && decoded.height == 256)
        }
    }

    @Test func earlierImagesCanBeInputsAgainAndComposed() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-3-pro-image-preview"]!
            let a = try await generate(studio, key, #"{"modelId":"\#(model)","prompt":"a cat","imageSize":"1K"}"#)
            let b = try await generate(studio, key, #"{"modelId":"\#(model)","prompt":"a hat","imageSize":"1K"}"#)
            let ids = [a, b].compactMap { $0["images"]?[0]?["id"]?.stringValue }
            #expect(ids.count == 2)
            let composed = try await generate(
                studio,
                key,
                #"{"modelId":"\#(model)","prompt":"the cat wearing the hat","inputImageIds":["\#(ids[0])","\#(ids[1])"],"images":["\#(GenerationTests.tinyPNG)"],"imageSize":"1K"}"#
            )
            #expect(composed["status"] == .string("succeeded"), "\(composed)")
            #expect(composed["inputImageIds"]?.arrayValue.count == 3)
            let parts = try await studio.upstreamRequests().last?["body"]?["contents"]?.arrayValue.last?["parts"]?.arrayValue ?? []
            #expect(parts.filter { $0["inlineData"] != nil }.count == 3)
            // 1K outputs get a 512 px preview; the original keeps its size.
            let image = try #require(a["images"]?[0])
            let preview = try await studio.client.call(.get, try #require(image["previewUrl"]?.stringValue), as: key)
            // Gemini 3's JPEG gets a JPEG preview.
            #expect(preview.headers[.contentType] == "image/jpeg")
            let decoded = try #require(JPEGCodec.decode(Data(buffer: preview.body)))
            #expect(max(decoded.width, decoded.height) == 512)
            #expect(image["width"] == .number(1024))
        }
    }

    @Test func groundingSourcesAreStoredAndShown() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let grounded = try await generate(
                studio,
                key,
                #"{"modelId":"\#(studio.models["gemini-3-pro-image-preview"]!)","prompt":"today's weather in Paris as a poster","grounding":true,"imageSize":"1K"}"#
            )
            #expect(grounded["status"] == .string("succeeded"), "\(grounded)")
            let sources = grounded["groundingSources"]
            #expect(sources?["sources"]?[0]?["uri"] == .string("https://example.com/source-1"))
            #expect(sources?["webSearchQueries"]?.arrayValue.isEmpty == false)
            #expect(sources?["searchEntryPointHtml"]?.stringValue?.contains("sim-search") == true)
            let tools = try await studio.upstreamRequests().last?["body"]?["tools"]?.arrayValue ?? []
            #expect(tools.first?["googleSearch"] != nil)

            // Google's search chip, served alone and sandboxed, to the owner only.
            let id = try #require(grounded["id"]?.stringValue)
            let chip = try await studio.client.call(.get, "/api/v1/generations/\(id)/search-entry-point", as: key)
            #expect(chip.status == .ok && chip.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(chip.text.contains("sim-search"))
            let policy = chip.headers[.contentSecurityPolicy] ?? ""
            #expect(policy.contains("sandbox") && !policy.contains("allow-scripts") && policy.contains("frame-ancestors 'self'"))
            #expect(
                try await studio.client.call(.get, "/api/v1/generations/\(id)/search-entry-point", as: .key(studio.world.globexMemberKey)).status
                    == .notFound
            )
        }
    }

    @Test func aHungUpstreamEndsFailedAtTheDeadline() async throws {
        try await withStudioEnvironment(configure: { $0.generationTimeout = .seconds(2) }) { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let hung = try await generate(studio, key, #"{"modelId":"\#(studio.models["gemini-2.5-flash-image"]!)","prompt":"[sim:hang=5000] x"}"#)
            #expect(hung["status"] == .string("failed"))
            #expect(hung["error"]?["code"] == .string("deadline_exceeded"))
            #expect(hung["finishedAt"] != .null)
        }
    }

    @Test func aRunningGenerationCanBeCanceled() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let created = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: key,
                json: #"{"modelId":"\#(studio.models["gemini-2.5-flash-image"]!)","prompt":"[sim:hold=cancel-me] never finishes"}"#
            )
            let id = try #require(created.json["id"]?.stringValue)
            let running = try await studio.poll(id, as: key) { $0["status"] == .string("running") }
            #expect(running["status"] == .string("running"))
            let asked = try await studio.client.call(.post, "/api/v1/generations/\(id)/cancel", as: key)
            #expect(asked.status == .ok)
            // The held upstream call never answers: only the cancel can end it.
            let ended = try await studio.poll(id, as: key) { $0["status"] == .string("canceled") }
            #expect(ended["status"] == .string("canceled"))
            #expect(ended["images"]?.arrayValue.isEmpty == true)
            try await studio.release("cancel-me")
        }
    }

    @Test func textTheModelStreamsShowsWhileItRuns() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let created = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: key,
                json: #"{"modelId":"\#(studio.models[Self.flash3]!)","prompt":"[sim:hold=slow-image] a kite","imageSize":"512"}"#
            )
            let id = try #require(created.json["id"]?.stringValue)
            // The simulator sends the text chunks, then holds the image until released. The text
            // comes in pieces, so wait for the piece with the prompt, not just the first.
            let partial = try await studio.poll(id, as: key) { $0["text"]?.stringValue?.contains("a kite") == true }
            #expect(partial["status"] == .string("running"))
            try await studio.release("slow-image")
            let done = try await studio.poll(id, as: key) { $0["status"] == .string("succeeded") }
            #expect(done["images"]?.arrayValue.count == 1)
        }
    }

    @Test func historyIsFilteredByModelStatusTextAndDate() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let flash = studio.models["gemini-2.5-flash-image"]!
            let pro = studio.models["gemini-3-pro-image-preview"]!
            _ = try await generate(studio, key, #"{"modelId":"\#(flash)","prompt":"A Lighthouse at dusk"}"#)
            _ = try await generate(studio, key, #"{"modelId":"\#(pro)","prompt":"a forest","imageSize":"1K"}"#)
            _ = try await generate(studio, key, #"{"modelId":"\#(flash)","prompt":"[sim:image-safety] blocked lighthouse"}"#)
            func prompts(_ query: String) async throws -> [String] {
                let response = try await studio.client.call(.get, "/api/v1/generations?\(query)", as: key)
                #expect(response.status == .ok, "\(query): \(response.text)")
                return (response.json["items"]?.arrayValue ?? []).compactMap { $0["prompt"]?.stringValue }
            }
            #expect(try await prompts("q=lighthouse").sorted() == ["A Lighthouse at dusk", "[sim:image-safety] blocked lighthouse"])
            #expect(try await prompts("modelId=\(pro)") == ["a forest"])
            #expect(try await prompts("status=blocked") == ["[sim:image-safety] blocked lighthouse"])
            #expect(try await prompts("status=succeeded&q=lighthouse") == ["A Lighthouse at dusk"])
            #expect(try await prompts("from=2000-01-01&to=2001-01-01").isEmpty)
            #expect(try await prompts("from=2000-01-01").count == 3)
            #expect(try await prompts("userId=\(studio.world.acmeOwner.id)").isEmpty)
            let bad = try await studio.client.call(.get, "/api/v1/generations?status=done", as: key)
            #expect(bad.status == .badRequest && bad.json["error"]?["field"] == .string("status"))
            let badDate = try await studio.client.call(.get, "/api/v1/generations?from=yesterday", as: key)
            #expect(badDate.status == .badRequest && badDate.json["error"]?["field"] == .string("from"))
        }
    }
}
