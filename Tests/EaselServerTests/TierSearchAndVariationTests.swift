import EaselStore
import EaselTestSupport
import Foundation
import Gemini
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import EaselServer

/// Gemini's service tiers (passed through, priced per tier), grounding with image search, and
/// variations (several calls of one request, one batch).
@Suite struct TierSearchAndVariationTests {
    func generate(_ studio: Studio, _ json: String) async throws -> TestResponse {
        try await studio.client.call(.post, "/api/v1/generations?wait=30", as: .key(studio.world.acmeMemberKey), json: json)
    }

    @Test func aServiceTierGoesUpstreamAndIsPricedFromItsOwnRow() async throws {
        try await withStudioEnvironment { studio in
            let flash = try #require(studio.models["gemini-3.1-flash-image-preview"])
            var costs: [String: Double?] = [:]
            for tier in ["standard", "flex", "priority"] {
                let response = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"a tiered kite","serviceTier":"\#(tier)"}"#)
                #expect(response.json["status"] == .string("succeeded"), "\(response.text)")
                #expect(response.json["serviceTier"] == .string(tier))
                let sent = try #require(try await studio.upstreamRequests().last?["body"])
                #expect(sent["serviceTier"] == .string(tier), "\(sent)")
                costs[tier] = response.json["costUsd"]?.number
            }
            let standard = try #require(costs["standard"] ?? nil)
            let flex = try #require(costs["flex"] ?? nil)
            // The same prompt costs the same tokens: flex is priced at half, from its own rows.
            #expect(abs(flex - standard / 2) < 0.000_002, "standard \(standard), flex \(flex)")
            #expect(costs["priority"] == .some(nil), "priority has no price until an admin sets one")

            // Without a tier nothing is sent, and the standard price applies.
            let plain = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"a tiered kite"}"#)
            #expect(plain.json["serviceTier"] == .null && plain.json["costUsd"]?.number == standard)
            #expect(try await studio.upstreamRequests().last?["body"]?["serviceTier"] == nil)

            let bad = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"x","serviceTier":"turbo"}"#)
            #expect(bad.status == .badRequest && bad.json["error"]?["field"] == .string("serviceTier"), "\(bad.text)")

            // The estimate follows the tier.
            let member = Caller.key(studio.world.acmeMemberKey)
            let estimate = { (tier: String) async throws -> Double? in
                try await studio.client.call(.get, "/api/v1/prices/estimate?modelId=\(flash)&serviceTier=\(tier)", as: member).json["costUsd"]?
                    .number
            }
            let standardEstimate = try #require(try await estimate("standard"))
            let flexEstimate = try #require(try await estimate("flex"))
            #expect(abs(flexEstimate - standardEstimate / 2) < 0.000_002)
            let badEstimate = try await studio.client.call(.get, "/api/v1/prices/estimate?modelId=\(flash)&serviceTier=turbo", as: member)
            #expect(badEstimate.status == .badRequest && badEstimate.json["error"]?["field"] == .string("serviceTier"), "\(badEstimate.text)")
        }
    }

    /// Google's SDKs send the tier at the top of the request; Easel passes it and prices it.
    @Test func theCompatibleRoutePassesTheTierAndPricesIt() async throws {
        try await withStudioEnvironment { studio in
            var headers: HTTPFields = [.contentType: "application/json"]
            headers[HTTPField.Name("x-goog-api-key")!] = studio.world.acmeMemberKey
            let response = try await studio.client.execute(
                uri: "/v1beta/models/gemini-3.1-flash-image-preview:generateContent",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"contents":[{"parts":[{"text":"a flexible kite"}]}],"service_tier":"FLEX"}"#)
            )
            #expect(response.status == .ok, "\(response.text)")
            #expect(try await studio.upstreamRequests().last?["body"]?["serviceTier"] == .string("FLEX"))
            let (tier, cost) = try await studio.db.query("SELECT service_tier, cost_micros FROM generations", logger: TestDatabase.logger)
                .collect().first!.decode((String?, Int?).self)
            #expect(tier == "flex" && cost != nil)
        }
    }

    @Test func imageSearchGroundsOnImagesAndLinksEachToItsPage() async throws {
        try await withStudioEnvironment { studio in
            let flash = try #require(studio.models["gemini-3.1-flash-image-preview"])
            let response = try await generate(
                studio,
                #"{"modelId":"\#(flash)","prompt":"a Timareta butterfly","grounding":true,"imageSearch":true}"#
            )
            #expect(response.json["status"] == .string("succeeded"), "\(response.text)")
            let sent = try #require(try await studio.upstreamRequests().last?["body"])
            let searchTypes = try #require(sent["tools"]?[0]?["googleSearch"]?["searchTypes"], "\(sent)")
            #expect(searchTypes["webSearch"] == .object([:]) && searchTypes["imageSearch"] == .object([:]))
            let grounding = try #require(response.json["groundingSources"])
            #expect(grounding["imageSearchQueries"]?.arrayValue.isEmpty == false)
            let image = try #require(grounding["sources"]?.arrayValue.first { $0["kind"] == .string("image") }, "\(grounding)")
            // The link is the page that holds the image, never the image file.
            #expect(image["uri"] == .string("https://example.com/gallery/page"))
            #expect(image["imageUri"] == .string("https://images.example.com/photo.jpg") && image["domain"] == .string("example.com"))
            #expect(response.json["imageSearch"] == .bool(true))

            // Image search alone asks for no web search.
            _ = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"a butterfly","imageSearch":true}"#)
            let alone = try #require(try await studio.upstreamRequests().last?["body"]?["tools"]?[0]?["googleSearch"]?["searchTypes"])
            #expect(alone["imageSearch"] != nil && alone["webSearch"] == nil, "\(alone)")

            // Gemini 3 Pro Image grounds on the web only.
            let pro = try #require(studio.models["gemini-3-pro-image-preview"])
            let refused = try await generate(studio, #"{"modelId":"\#(pro)","prompt":"x","grounding":true,"imageSearch":true}"#)
            #expect(refused.status == .badRequest && refused.json["error"]?["field"] == .string("imageSearch"), "\(refused.text)")
        }
    }

    @Test func variationsRunAsOneBatchEachCountedAndPriced() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let flash = try #require(studio.models["gemini-3.1-flash-image-preview"])
            let response = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"three kites","count":3}"#)
            #expect(response.status == .ok, "\(response.text)")
            let batchID = try #require(response.json["batchId"]?.stringValue)
            let items = response.json["items"]?.arrayValue ?? []
            #expect(items.count == 3)
            #expect(items.allSatisfy { $0["status"] == .string("succeeded") && $0["batchId"] == .string(batchID) })
            #expect(items.compactMap { $0["batchIndex"]?.number } == [0, 1, 2])
            #expect(items.allSatisfy { ($0["costUsd"]?.number ?? 0) > 0 && $0["images"]?.arrayValue.count == 1 })
            // One call each, without candidateCount, which Gemini's image models refuse.
            let calls = try await studio.upstreamRequests().filter {
                $0["method"] == .string("generateContent") || $0["method"] == .string("streamGenerateContent")
            }
            #expect(calls.count == 3)
            #expect(calls.allSatisfy { $0["body"]?["generationConfig"]?["candidateCount"] == nil })
            // One conversation turn each, on the same parent.
            #expect(Set(items.compactMap { $0["conversationId"]?.stringValue }).count == 1)

            let listed = try await studio.client.call(.get, "/api/v1/generations?batchId=\(batchID)", as: key)
            #expect(listed.json["items"]?.arrayValue.count == 3)

            // Continuing from the second variation replays its image, not the others'.
            let second = try #require(items[1]["id"]?.stringValue)
            let next = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"add a sun","parentId":"\#(second)"}"#)
            #expect(next.json["status"] == .string("succeeded"), "\(next.text)")
            let replayed = try #require(try await studio.upstreamRequests().last?["body"]?["contents"]?.arrayValue)
            #expect(replayed.count == 3, "the second variation's turn, its answer, and the new prompt")

            // Counted per image: the month now holds 4.
            let me = try await studio.client.call(.get, "/api/v1/me", as: key)
            #expect(me.json["usage"]?["monthlyImages"]?.number == 4, "\(me.json["usage"] ?? .null)")
        }
    }

    @Test func variationsMustFitTheQuotaAndTheLimit() async throws {
        try await withStudioEnvironment { studio in
            let flash = try #require(studio.models["gemini-3.1-flash-image-preview"])
            try await studio.db.query("UPDATE tenants SET monthly_image_quota = 3 WHERE id = \(studio.world.acme)", logger: TestDatabase.logger)
            _ = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"one"}"#)
            let tooMany = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"three more","count":3}"#)
            #expect(tooMany.status == .tooManyRequests, "\(tooMany.text)")
            #expect(tooMany.json["error"]?["message"]?.stringValue?.contains("2 of 3 monthly images left; 3 variations do not fit") == true)
            let stored = try await studio.db.query("SELECT count(*)::int FROM generations", logger: TestDatabase.logger).collect().first!.decode(
                Int.self
            )
            #expect(stored == 1, "a refused batch stores none of its variations")
            let two = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"two more","count":2}"#)
            #expect(two.json["items"]?.arrayValue.count == 2, "\(two.text)")
            for count in [0, 5] {
                let bad = try await generate(studio, #"{"modelId":"\#(flash)","prompt":"x","count":\#(count)}"#)
                #expect(bad.status == .badRequest && bad.json["error"]?["field"] == .string("count"), "\(bad.text)")
            }
        }
    }
}

extension JSONValue {
    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }
}
