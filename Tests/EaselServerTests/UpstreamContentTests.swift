import EaselCore
import EaselStore
import Foundation
import Gemini
import Testing

@testable import EaselServer

/// What an upstream sends is not trusted: stored images are judged by their bytes, and grounding
/// links must be https before they reach an `href`.
@Suite struct UpstreamContentTests {
    static func answer(_ parts: [Part]) -> GenerateContentResponse {
        var response = GenerateContentResponse()
        response.candidates = [Candidate(content: Content(role: "model", parts: parts), finishReason: .stop)]
        return response
    }

    static func finish(_ response: GenerateContentResponse) -> GenerationQueue.Finish {
        GenerationOutcomeMapper.finish(
            response,
            attempts: [],
            host: "relay.example.com",
            latency: .milliseconds(5),
            options: GenerationOptions(prompt: "a cat"),
            apiModel: "gemini-2.5-flash-image"
        )
    }

    @Test func anImageWhoseBytesAreNotPNGJPEGOrWebPIsNeverStored() throws {
        let svg = Data(#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#.utf8)
        let png = try #require(Data(base64Encoded: GenerationTests.tinyPNG))
        for (bytes, declared) in [(svg, "image/svg+xml"), (svg, "image/png"), (Data("<html>".utf8), "image/jpeg")] {
            let finish = Self.finish(Self.answer([.image(png, mimeType: "image/png"), .image(bytes, mimeType: declared)]))
            #expect(finish.status == .failed, "\(declared)")
            #expect(finish.errorCode == "upstream_bad_image")
            #expect(finish.errorMessage?.contains("declared \(declared)") == true)
            #expect(finish.outputs.isEmpty)
        }
    }

    @Test func anImageIsStoredUnderTheTypeItsBytesShow() throws {
        let png = try #require(Data(base64Encoded: GenerationTests.tinyPNG))
        let finish = Self.finish(Self.answer([.image(png, mimeType: "image/gif")]))
        #expect(finish.status == .succeeded)
        #expect(finish.outputs.map(\.mimeType) == ["image/png"])
        #expect(finish.outputs.first?.width == 2)
    }

    @Test func onlyHTTPSGroundingLinksReachTheConsole() throws {
        let metadata = #"""
            {"groundingChunks":[
              {"web":{"uri":"javascript:alert(1)","title":"script"}},
              {"web":{"uri":"http://plain.example.com/page","title":"plain"}},
              {"web":{"uri":"data:text/html,<script>alert(1)</script>","title":"data"}},
              {"web":{"uri":"https:relative","title":"no host"}},
              {"web":{"uri":"https://vertexaisearch.cloud.google.com/grounding-api-redirect/abc","title":"kept"}},
              {"image":{"sourceUri":"https://pages.example.com/cat","imageUri":"javascript:alert(2)","title":"cat","domain":"example.com"}},
              {"image":{"sourceUri":"JAVASCRIPT:alert(3)","imageUri":"https://img.example.com/cat.png","title":"dropped"}}
            ]}
            """#
        let view = try #require(GenerationView.GroundingView(json: metadata))
        #expect(view.sources.map(\.title) == ["kept", "cat"])
        #expect(view.sources.map(\.uri) == ["https://vertexaisearch.cloud.google.com/grounding-api-redirect/abc", "https://pages.example.com/cat"])
        #expect(view.sources.last?.imageUri == nil)
    }
}
