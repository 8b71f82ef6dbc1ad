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

/// Usage figures and costs, checked against counts made by hand over a known data set.
@Suite struct UsageTests {
    struct Row {
        var tenant: UUID
        var user: UUID
        var model: String
        var status: String
        var day: String
        var images = 0
        var promptTokens = 0
        var outputTokens = 0
        var imageTokens = 0
        var thoughtTokens = 0
        var promptImageTokens: Int? = nil
        var costMicros: Int? = nil
        var latencyMs: Int? = nil
        var reason: String? = nil
    }

    func insert(_ rows: [Row], _ db: PostgresClient) async throws {
        for row in rows {
            let total = row.promptTokens + row.outputTokens + row.thoughtTokens
            try await db.query(
                """
                INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt, status, image_count, prompt_tokens,
                    output_tokens, image_tokens, thought_tokens, total_tokens, cost_micros, latency_ms, error_code, block_reason,
                    created_at, started_at, finished_at, prompt_image_tokens)
                VALUES (\(row.tenant), \(row.user), \(UUID(uuidString: row.model)!), 'api', '{"prompt": "x", "grounding": false, "inputImageIds": []}',
                    'x', \(row.status), \(row.images), \(row.promptTokens), \(row.outputTokens), \(row.imageTokens), \(row.thoughtTokens), \(total),
                    \(row.costMicros)::bigint, \(row.latencyMs)::int,
                    \(row.status == "failed" ? row.reason : nil)::text, \(row.status == "blocked" ? row.reason : nil)::text,
                    \(row.day)::timestamptz, \(row.day)::timestamptz, \(row.day)::timestamptz + interval '1 second',
                    \(row.promptImageTokens)::int)
                """,
                logger: TestDatabase.logger
            )
        }
    }

    @Test func figuresEqualAHandCountAndStayInTheirTenant() async throws {
        try await withStudioEnvironment { studio in
            let w = studio.world
            let flash = studio.models["gemini-2.5-flash-image"]!
            let pro = studio.models["gemini-3-pro-image-preview"]!
            let rows: [Row] = [
                Row(
                    tenant: w.acme,
                    user: w.acmeMember.id,
                    model: flash,
                    status: "succeeded",
                    day: "2026-03-01T10:00:00Z",
                    images: 1,
                    promptTokens: 10,
                    outputTokens: 1290,
                    imageTokens: 1290,
                    costMicros: 38703,
                    latencyMs: 100
                ),
                Row(
                    tenant: w.acme,
                    user: w.acmeMember.id,
                    model: flash,
                    status: "succeeded",
                    day: "2026-03-01T11:00:00Z",
                    images: 2,
                    promptTokens: 20,
                    outputTokens: 2580,
                    imageTokens: 2580,
                    costMicros: 77406,
                    latencyMs: 300
                ),
                Row(
                    tenant: w.acme,
                    user: w.acmeOwner.id,
                    model: pro,
                    status: "succeeded",
                    day: "2026-03-02T09:00:00Z",
                    images: 1,
                    promptTokens: 100,
                    outputTokens: 1200,
                    imageTokens: 1120,
                    thoughtTokens: 400,
                    promptImageTokens: 80,
                    costMicros: 140000,
                    latencyMs: 200
                ),
                Row(
                    tenant: w.acme,
                    user: w.acmeMember.id,
                    model: flash,
                    status: "blocked",
                    day: "2026-03-02T10:00:00Z",
                    promptTokens: 5,
                    reason: "IMAGE_SAFETY"
                ),
                Row(tenant: w.acme, user: w.acmeMember.id, model: pro, status: "failed", day: "2026-03-02T11:00:00Z", reason: "deadline_exceeded"),
                // Outside the range, and another tenant's: in no acme figure.
                Row(tenant: w.acme, user: w.acmeMember.id, model: flash, status: "succeeded", day: "2026-04-01T00:00:00Z", images: 1, costMicros: 1),
                Row(
                    tenant: w.globex,
                    user: w.globexMember.id,
                    model: flash,
                    status: "succeeded",
                    day: "2026-03-01T12:00:00Z",
                    images: 7,
                    costMicros: 999
                ),
            ]
            try await insert(rows, studio.db)
            let owner = try await studio.client.login(w.acmeOwner.email)
            func usage(_ query: String, as caller: Caller) async throws -> JSONValue {
                let response = try await studio.client.call(.get, "/api/v1/usage?from=2026-03-01&to=2026-04-01&\(query)", as: caller)
                #expect(response.status == .ok, "\(query): \(response.text)")
                return response.json
            }
            let totals = try await usage("groupBy=total", as: owner)["totals"]
            #expect(totals?["requests"] == .number(5) && totals?["succeeded"] == .number(3))
            #expect(totals?["blocked"] == .number(1) && totals?["failed"] == .number(1))
            #expect(totals?["images"] == .number(4))
            #expect(totals?["promptTokens"] == .number(135) && totals?["imageTokens"] == .number(4990) && totals?["thoughtTokens"] == .number(400))
            #expect(totals?["promptImageTokens"] == .number(80))
            #expect(totals?["costUsd"] == .number(0.256109))
            // Latencies 100, 200 and 300 ms: the median read back from the roll-up's buckets is
            // within one bucket (20%) of 200 ms, and the 95th percentile within one of 300 ms.
            let p50 = totals?["latencyP50Ms"]?.doubleValue ?? 0
            let p95 = totals?["latencyP95Ms"]?.doubleValue ?? 0
            #expect(p50 >= 200 / 1.2 && p50 <= 200 * 1.2, "p50 \(p50)")
            #expect(p95 >= 300 / 1.2 && p95 <= 300 * 1.2 && p95 > p50, "p95 \(p95)")

            let byModel = try await usage("groupBy=model", as: owner)["groups"]?.arrayValue ?? []
            let flashGroup = byModel.first { $0["label"] == .string("gemini-2.5-flash-image") }
            #expect(flashGroup?["requests"] == .number(3) && flashGroup?["images"] == .number(3) && flashGroup?["blocked"] == .number(1))
            let byDay = try await usage("groupBy=day", as: owner)["groups"]?.arrayValue ?? []
            #expect(byDay.map { $0["key"]?.stringValue } == ["2026-03-01", "2026-03-02"])
            #expect(byDay.map { $0["requests"] } == [.number(2), .number(3)])
            let byUser = try await usage("groupBy=user", as: owner)["groups"]?.arrayValue ?? []
            #expect(Set(byUser.compactMap { $0["label"]?.stringValue }) == [w.acmeMember.email, w.acmeOwner.email])
            let reasons = try await usage("groupBy=reason", as: owner)["groups"]?.arrayValue ?? []
            #expect(Set(reasons.compactMap { $0["key"]?.stringValue }) == ["IMAGE_SAFETY", "deadline_exceeded", "succeeded"])

            // The platform admin sees every tenant, or one; members see none.
            let root = try await studio.client.login(w.root.email)
            let everyone = try await usage("groupBy=tenant", as: root)["groups"]?.arrayValue ?? []
            #expect(everyone.count == 2)
            let globex = try await usage("tenantId=\(w.globex)", as: root)["totals"]
            #expect(globex?["images"] == .number(7))
            let member = try await studio.client.call(.get, "/api/v1/usage", as: .key(w.acmeMemberKey))
            #expect(member.status == .forbidden)
            let bad = try await studio.client.call(.get, "/api/v1/usage?groupBy=week", as: owner)
            #expect(bad.status == .badRequest && bad.json["error"]?["field"] == .string("groupBy"))
            let midday = try await studio.client.call(.get, "/api/v1/usage?from=2026-03-01T12:00:00Z", as: owner)
            #expect(midday.status == .badRequest && midday.json["error"]?["field"] == .string("from"))

            // The CSV of a range has the API's figures, row for row.
            let csv = try await studio.client.call(.get, "/api/v1/usage.csv?from=2026-03-01&to=2026-04-01&groupBy=model", as: owner)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            #expect(lines.first?.prefix(3) == ["key", "label", "requests"])
            for group in byModel {
                let line = lines.first { $0.first == group["key"]?.stringValue }
                #expect(line?[2] == group["requests"].map { "\(Int($0.doubleValue ?? -1))" })
                #expect(Double(line?[13] ?? "") == group["costUsd"]?.doubleValue)
                #expect(line?[9] == group["promptImageTokens"].map { "\(Int($0.doubleValue ?? -1))" })
            }
        }
    }

    @Test func generationsArePricedAtTheirDaysPrices() async throws {
        try await withStudioEnvironment { studio in
            // 2.5 Flash Image: 10 prompt tokens at $0.30/M and 1290 image tokens at $30/M.
            let cost = try await studio.db.query(
                "SELECT generation_cost_micros('gemini-2.5-flash-image', 'standard', '2026-01-01', 10, 1290, 1290, 0)",
                logger: TestDatabase.logger
            ).collect().first!.decode(Int.self)
            #expect(cost == 38703)
            let root = try await studio.client.login(studio.world.root.email)
            let raised = try await studio.client.call(
                .post,
                "/api/v1/prices",
                as: root,
                json: #"{"apiModel":"gemini-2.5-flash-image","kind":"output_image","usdPerMillionTokens":40,"effectiveFrom":"2026-06-01"}"#
            )
            #expect(raised.status == .created, "\(raised.text)")
            let (before, after) = try await studio.db.query(
                """
                SELECT generation_cost_micros('gemini-2.5-flash-image', 'standard', '2026-05-31', 10, 1290, 1290, 0),
                       generation_cost_micros('gemini-2.5-flash-image', 'standard', '2026-06-01', 10, 1290, 1290, 0)
                """,
                logger: TestDatabase.logger
            ).collect().first!.decode((Int, Int).self)
            #expect(before == 38703 && after == 51603)
            let refused = try await studio.client.call(
                .post,
                "/api/v1/prices",
                as: .key(studio.world.acmeMemberKey),
                json: #"{"apiModel":"x","kind":"input","usdPerMillionTokens":1,"effectiveFrom":"2026-06-01"}"#
            )
            #expect(refused.status == .forbidden)
            let badKind = try await studio.client.call(
                .post,
                "/api/v1/prices",
                as: root,
                json: #"{"apiModel":"gemini-2.5-flash-image","kind":"audio","usdPerMillionTokens":1,"effectiveFrom":"2026-06-01"}"#
            )
            #expect(badKind.status == .badRequest && badKind.json["error"]?["field"] == .string("kind"))

            // The studio's estimate: one 2.5 Flash Image image is 1290 tokens, at today's $40/M.
            let estimate = try await studio.client.call(
                .get,
                "/api/v1/prices/estimate?modelId=\(studio.models["gemini-2.5-flash-image"]!)",
                as: .key(studio.world.acmeMemberKey)
            )
            #expect(estimate.json["imageTokens"] == .number(1290) && estimate.json["costUsd"] == .number(0.0516), "\(estimate.text)")
            let pro = try await studio.client.call(
                .get,
                "/api/v1/prices/estimate?modelId=\(studio.models["gemini-3-pro-image-preview"]!)&imageSize=4K",
                as: .key(studio.world.acmeMemberKey)
            )
            #expect(pro.json["imageTokens"] == .number(2000) && pro.json["costUsd"] == .number(0.24))
            // Two images, two input images and a 400-character prompt: 2580 image tokens at $40/M, and
            // 100 prompt tokens plus two 1032-token input images at $0.30/M.
            let full = try await studio.client.call(
                .get,
                "/api/v1/prices/estimate?modelId=\(studio.models["gemini-2.5-flash-image"]!)&images=2&inputImages=2&promptChars=400",
                as: .key(studio.world.acmeMemberKey)
            )
            #expect(full.json["inputTokens"] == .number(2164) && full.json["imageTokens"] == .number(2580), "\(full.text)")
            #expect(full.json["costUsd"] == .number(0.103849))
            let tooMany = try await studio.client.call(
                .get,
                "/api/v1/prices/estimate?modelId=\(studio.models["gemini-2.5-flash-image"]!)&inputImages=4",
                as: .key(studio.world.acmeMemberKey)
            )
            #expect(tooMany.status == .badRequest && tooMany.json["error"]?["field"] == .string("inputImages"))

            // A real generation is priced when it ends, from its usageMetadata, at today's prices
            // (the $40 image price, effective since June).
            let generated = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: .key(studio.world.acmeMemberKey),
                json: #"{"modelId":"\#(studio.models["gemini-2.5-flash-image"]!)","prompt":"a priced banana"}"#
            )
            #expect(generated.json["usage"]?["imageTokens"] == .number(1290))
            let promptTokens = generated.json["usage"]?["promptTokens"]?.doubleValue ?? 0
            let expected =
                (promptTokens * 0.30 + 1290 * 40 + ((generated.json["usage"]?["outputTokens"]?.doubleValue ?? 1290) - 1290) * 2.50).rounded()
                / 1_000_000
            #expect(generated.json["costUsd"]?.doubleValue == expected, "\(generated.text)")

            // GET /api/v1/me shows the month's use against the tenant's limits.
            try await studio.db.query("UPDATE tenants SET monthly_image_quota = 10 WHERE id = \(studio.world.acme)", logger: TestDatabase.logger)
            let me = try await studio.client.call(.get, "/api/v1/me", as: .key(studio.world.acmeMemberKey)).json
            #expect(me["usage"]?["monthlyImages"] == .number(1) && me["usage"]?["imagesLeft"] == .number(9), "\(me)")
            #expect(me["usage"]?["tokensLeft"] == .null && me["usage"]?["resetsAt"]?.stringValue?.hasSuffix("-01T00:00:00Z") == true)
        }
    }
}

extension JSONValue {
    var doubleValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }
}

/// The daily roll-up the figures and quota checks read, against the generations it sums.
@Suite struct RollupTests {
    /// The roll-up's sums, recomputed by hand from `generations`: equal when it is right.
    static func mismatches(_ db: PostgresClient) async throws -> Int {
        try await db.query(
            """
            WITH truth AS (
                SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date AS day, user_id, model_id, status,
                       COALESCE(error_code, block_reason, status) AS reason, usage_latency_bucket(status, latency_ms) AS latency_bucket,
                       count(*)::int AS requests, sum(image_count)::bigint AS images, COALESCE(sum(total_tokens), 0)::bigint AS tokens,
                       COALESCE(sum(cost_micros), 0)::bigint AS cost
                FROM generations WHERE finished_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6, 7
            ), rolled AS (
                SELECT tenant_id, day, user_id, model_id, status, reason, latency_bucket, requests, images, total_tokens AS tokens,
                       cost_micros AS cost
                FROM usage_daily
            )
            SELECT count(*)::int FROM ((SELECT * FROM truth EXCEPT SELECT * FROM rolled) UNION ALL (SELECT * FROM rolled EXCEPT SELECT * FROM truth)) d
            """,
            logger: TestDatabase.logger
        ).collect().first!.decode(Int.self)
    }

    @Test func theRollupSumsEveryFinishedGenerationAndFollowsChanges() async throws {
        try await withStudioEnvironment { studio in
            let model = studio.models["gemini-2.5-flash-image"]!
            let prompts = ["a cat", "[sim:image-safety] blocked", "[sim:status=400] broken", "[sim:text-only] no picture", "a dog"]
            // Concurrent finishes: each adds its own share.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, prompt) in prompts.enumerated() {
                    let key = index % 2 == 0 ? studio.world.acmeMemberKey : studio.world.globexMemberKey
                    group.addTask {
                        _ = try await studio.client.call(
                            .post,
                            "/api/v1/generations?wait=30",
                            as: .key(key),
                            json: #"{"modelId":"\#(model)","prompt":"\#(prompt)"}"#
                        )
                    }
                }
                try await group.waitForAll()
            }
            let finished = try await studio.db.query(
                "SELECT count(*)::int FROM generations WHERE finished_at IS NOT NULL",
                logger: TestDatabase.logger
            ).collect().first!.decode(Int.self)
            #expect(finished == prompts.count)
            #expect(try await Self.mismatches(studio.db) == 0)
            // A generation moved to another day (or changed in any counted way) moves its share.
            try await studio.db.query(
                "UPDATE generations SET created_at = created_at - interval '40 days' WHERE prompt = 'a cat'",
                logger: TestDatabase.logger
            )
            #expect(try await Self.mismatches(studio.db) == 0)
            let usage = try await studio.client.call(.get, "/api/v1/usage", as: try await studio.client.login(studio.world.acmeOwner.email))
            #expect(usage.json["totals"]?["requests"]?.doubleValue == Double(prompts.indices.filter { $0 % 2 == 0 }.count - 1))
            // Deleting generations leaves the usage figures as they were.
            let before = try await studio.db.query("SELECT sum(requests)::int FROM usage_daily", logger: TestDatabase.logger).collect().first!.decode(
                Int.self
            )
            try await studio.db.query("DELETE FROM generations WHERE prompt = 'a dog'", logger: TestDatabase.logger)
            let after = try await studio.db.query("SELECT sum(requests)::int FROM usage_daily", logger: TestDatabase.logger).collect().first!.decode(
                Int.self
            )
            #expect(before == prompts.count && after == before)
            // So does deleting a user, whose generations go with them: the tenant's usage stays.
            let root = try await studio.client.login(studio.world.root.email)
            let globexBefore = try await studio.client.call(.get, "/api/v1/usage?tenantId=\(studio.world.globex)&groupBy=user", as: root)
            try await studio.db.query("DELETE FROM users WHERE id = \(studio.world.globexMember.id)", logger: TestDatabase.logger)
            let globexAfter = try await studio.client.call(.get, "/api/v1/usage?tenantId=\(studio.world.globex)&groupBy=user", as: root)
            #expect(globexAfter.json["totals"]?["requests"] == globexBefore.json["totals"]?["requests"])
            #expect(globexAfter.json["totals"]?["requests"] == .number(2), "\(globexAfter.text)")
            #expect(globexAfter.json["groups"]?[0]?["label"] == .string("deleted user"))
        }
    }
}

@Suite struct QuotaTests {
    @Test func theLastAllowedImagePassesTheNextIsRefusedAndLastMonthDoesNotCount() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-2.5-flash-image"]!
            // Last month's images are in the past window: they count for nothing now.
            try await studio.db.query(
                """
                INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt, status, image_count, created_at, started_at, finished_at)
                SELECT \(studio.world.acme), \(studio.world.acmeMember.id), \(UUID(uuidString: model)!), 'api', '{}', 'old', 'succeeded', 5,
                       date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 second',
                       date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 second',
                       date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 second'
                """,
                logger: TestDatabase.logger
            )
            try await studio.db.query("UPDATE tenants SET monthly_image_quota = 2 WHERE id = \(studio.world.acme)", logger: TestDatabase.logger)
            for index in 1...2 {
                let allowed = try await studio.client.call(
                    .post,
                    "/api/v1/generations?wait=30",
                    as: key,
                    json: #"{"modelId":"\#(model)","prompt":"quota \#(index)"}"#
                )
                #expect(allowed.json["status"] == .string("succeeded"), "image \(index): \(allowed.text)")
            }
            let refused = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"one too many"}"#
            )
            #expect(refused.status == .tooManyRequests && refused.errorCode == "quota_exceeded")
            let message = refused.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("2 of 2 images") && message.contains("resets at"), "\(message)")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            let stored = try await studio.db.query(
                "SELECT count(*)::int FROM generations WHERE prompt = 'one too many'",
                logger: TestDatabase.logger
            ).collect().first!.decode(Int.self)
            #expect(stored == 0)
            // A budget of tokens refuses the same way once used up.
            try await studio.db.query(
                "UPDATE tenants SET monthly_image_quota = NULL, monthly_token_budget = 100 WHERE id = \(studio.world.acme)",
                logger: TestDatabase.logger
            )
            let overBudget = try await studio.client.call(.post, "/api/v1/generations", as: key, json: #"{"modelId":"\#(model)","prompt":"tokens"}"#)
            #expect(overBudget.status == .tooManyRequests && overBudget.json["error"]?["message"]?.stringValue?.contains("token budget") == true)
        }
    }
}

extension QuotaTests {
    @Test func aTenantSettingDecidesWhetherBlockedResultsCount() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-2.5-flash-image"]!
            let root = try await studio.client.login(studio.world.root.email)
            let set = try await studio.client.call(
                .patch,
                "/api/v1/tenants/\(studio.world.acme)",
                as: root,
                json: #"{"limits":{"monthlyImageQuota":2}}"#
            )
            #expect(set.json["limits"]?["quotaCountsImagelessResults"] == .bool(false), "\(set.text)")
            for index in 1...2 {
                let blocked = try await studio.client.call(
                    .post,
                    "/api/v1/generations?wait=30",
                    as: key,
                    json: #"{"modelId":"\#(model)","prompt":"[sim:image-safety] \#(index)"}"#
                )
                #expect(blocked.json["status"] == .string("blocked"), "\(blocked.text)")
            }
            // Off (the default): blocked results used nothing.
            let me = try await studio.client.call(.get, "/api/v1/me", as: key)
            #expect(me.json["usage"]?["monthlyImages"] == .number(0) && me.json["usage"]?["imagesLeft"] == .number(2), "\(me.text)")
            // On: each counts as one image, so the quota of two is used up.
            let on = try await studio.client.call(
                .patch,
                "/api/v1/tenants/\(studio.world.acme)",
                as: root,
                json: #"{"limits":{"quotaCountsImagelessResults":true}}"#
            )
            #expect(on.json["limits"]?["quotaCountsImagelessResults"] == .bool(true))
            #expect(try await studio.client.call(.get, "/api/v1/me", as: key).json["usage"]?["imagesLeft"] == .number(0))
            let refused = try await studio.client.call(.post, "/api/v1/generations", as: key, json: #"{"modelId":"\#(model)","prompt":"x"}"#)
            #expect(refused.status == .tooManyRequests && refused.errorCode == "quota_exceeded")
            let owner = try await studio.client.login(studio.world.acmeOwner.email)
            let notTheirs = try await studio.client.call(
                .patch,
                "/api/v1/tenants/\(studio.world.acme)",
                as: owner,
                json: #"{"limits":{"quotaCountsImagelessResults":false}}"#
            )
            #expect(notTheirs.status == .forbidden)
        }
    }

    @Test func aFullQueueIsRefusedWith429AndRetryAfter() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-2.5-flash-image"]!
            let root = try await studio.client.login(studio.world.root.email)
            let set = try await studio.client.call(
                .patch,
                "/api/v1/tenants/\(studio.world.acme)",
                as: root,
                json: #"{"limits":{"maxConcurrentGenerations":1,"maxQueuedGenerations":1}}"#
            )
            #expect(set.json["limits"]?["maxQueuedGenerations"] == .number(1), "\(set.text)")
            let running = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: key,
                json: #"{"modelId":"\#(model)","prompt":"[sim:hold=full-queue] one"}"#
            )
            #expect(running.status == .accepted)
            // Held upstream until the end of the test, so it runs for as long as the checks take.
            let runningID = try #require(running.json["id"]?.stringValue)
            _ = try await studio.poll(runningID, as: key) { $0["status"] == .string("running") }
            let waiting = try await studio.client.call(.post, "/api/v1/generations", as: key, json: #"{"modelId":"\#(model)","prompt":"two"}"#)
            #expect(waiting.status == .accepted && waiting.json["status"] == .string("queued"), "\(waiting.text)")
            let refused = try await studio.client.call(.post, "/api/v1/generations", as: key, json: #"{"modelId":"\#(model)","prompt":"three"}"#)
            #expect(refused.status == .tooManyRequests && refused.errorCode == "concurrency_limit_exceeded", "\(refused.text)")
            #expect(refused.headers[.retryAfter] == "\(AdmissionStore.inFlightRetrySeconds)")
            #expect(refused.json["error"]?["message"]?.stringValue?.contains("2 generations running or waiting") == true)
            // Another tenant is not held up, and nothing of the refused request was stored.
            let other = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: .key(studio.world.globexMemberKey),
                json: #"{"modelId":"\#(model)","prompt":"globex"}"#
            )
            #expect(other.json["status"] == .string("succeeded"), "\(other.text)")
            let stored = try await studio.db.query(
                "SELECT count(*)::int FROM generations WHERE prompt = 'three'",
                logger: TestDatabase.logger
            ).collect().first!.decode(Int.self)
            #expect(stored == 0)
            // A burst is counted one request after another: one slot and no queue admit exactly one.
            _ = try await studio.client.call(
                .patch,
                "/api/v1/tenants/\(studio.world.globex)",
                as: root,
                json: #"{"limits":{"maxConcurrentGenerations":1,"maxQueuedGenerations":0}}"#
            )
            let burst = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for index in 0..<6 {
                    group.addTask {
                        let response = try await studio.client.call(
                            .post,
                            "/api/v1/generations",
                            as: .key(studio.world.globexMemberKey),
                            json: #"{"modelId":"\#(model)","prompt":"[sim:hold=burst] burst \#(index)"}"#
                        )
                        return (response.status, response.errorCode)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(burst.filter { $0.0 == .accepted }.count == 1, "\(burst)")
            #expect(burst.filter { $0.0 == .tooManyRequests && $0.1 == "concurrency_limit_exceeded" }.count == 5, "\(burst)")
            let bad = try await studio.client.call(
                .patch,
                "/api/v1/tenants/\(studio.world.acme)",
                as: root,
                json: #"{"limits":{"maxQueuedGenerations":-1}}"#
            )
            #expect(bad.status == .badRequest && bad.json["error"]?["field"] == .string("limits.maxQueuedGenerations"))
            try await studio.release("full-queue")
            try await studio.release("burst")
        }
    }

    @Test func concurrentRequestsAtTheBoundaryAreCountedOneAfterAnother() async throws {
        try await withStudioEnvironment { studio in
            try await studio.db.query("UPDATE tenants SET monthly_image_quota = 3 WHERE id = \(studio.world.acme)", logger: TestDatabase.logger)
            let model = studio.models["gemini-2.5-flash-image"]!
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await studio.client.call(
                            .post,
                            "/api/v1/generations",
                            as: .key(studio.world.acmeMemberKey),
                            json: #"{"modelId":"\#(model)","prompt":"[sim:latency=500] race \#(index)"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .accepted || $0 == .ok }.count == 3, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 7)
            let stored = try await studio.db.query(
                "SELECT count(*)::int FROM generations WHERE prompt LIKE '%race%'",
                logger: TestDatabase.logger
            ).collect().first!.decode(Int.self)
            #expect(stored == 3)
        }
    }
}

@Suite struct HistoryExportTests {
    @Test func theHistoryCSVHasTheAPIsRowsFiltersAndScope() async throws {
        try await withStudioEnvironment { studio in
            let member = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-2.5-flash-image"]!
            for prompt in ["a lamp, with a comma", "=HYPERLINK(\\\"x\\\")", "a chair"] {
                _ = try await studio.client.call(
                    .post,
                    "/api/v1/generations?wait=30",
                    as: member,
                    json: #"{"modelId":"\#(model)","prompt":"\#(prompt)"}"#
                )
            }
            _ = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: .key(studio.world.globexMemberKey),
                json: #"{"modelId":"\#(model)","prompt":"globex"}"#
            )
            let owner = try await studio.client.login(studio.world.acmeOwner.email)
            let api = try await studio.client.call(.get, "/api/v1/generations", as: owner).json["items"]?.arrayValue ?? []
            let csv = try await studio.client.call(.get, "/api/v1/generations.csv", as: owner)
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n").map(String.init)
            #expect(lines.first?.hasPrefix("id,created_at,user,model,status,prompt") == true)
            #expect(lines.count == api.count + 1 && api.count == 3)
            #expect(lines.dropFirst().map { String($0.prefix(36)) } == api.compactMap { $0["id"]?.stringValue?.lowercased() })
            #expect(!csv.text.contains("globex"))
            // Commas are quoted and formulas defused.
            #expect(csv.text.contains("\"a lamp, with a comma\""))
            #expect(csv.text.contains("'=HYPERLINK"))
            // Filters apply as on the API.
            let filtered = try await studio.client.call(.get, "/api/v1/generations.csv?q=chair", as: owner)
            #expect(filtered.text.split(separator: "\r\n").count == 2)
        }
    }

    @Test func historyPagesAndTheExportGoPastTheFirstPage() async throws {
        try await withStudioEnvironment { studio in
            // 250 older generations, some failed (no token counts at all), then one queued.
            try await studio.db.query(
                """
                INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt, status, image_count, prompt_tokens,
                                         prompt_image_tokens, created_at, started_at, finished_at)
                SELECT \(studio.world.acme), \(studio.world.acmeMember.id), \(UUID(uuidString: studio.models["gemini-2.5-flash-image"]!)!),
                       'api', '{}', 'paged ' || n, CASE WHEN n % 3 = 0 THEN 'failed' ELSE 'succeeded' END, 0,
                       CASE WHEN n % 3 = 0 THEN NULL ELSE 10 END, CASE WHEN n % 3 = 0 THEN NULL ELSE 0 END,
                       now() - n * interval '1 minute', now() - n * interval '1 minute', now() - n * interval '1 minute'
                FROM generate_series(1, 250) n
                """,
                logger: TestDatabase.logger
            )
            try await studio.db.query(
                """
                INSERT INTO generations (tenant_id, user_id, model_id, source, request, prompt, status)
                VALUES (\(studio.world.acme), \(studio.world.acmeMember.id), \(UUID(uuidString: studio.models["gemini-2.5-flash-image"]!)!),
                        'api', '{"prompt": "paged queued", "grounding": false, "inputImageIds": []}', 'paged queued', 'queued')
                """,
                logger: TestDatabase.logger
            )
            let owner = try await studio.client.login(studio.world.acmeOwner.email)
            var ids: [String] = []
            var cursor: String? = nil
            repeat {
                let page = try await studio.client.call(
                    .get,
                    "/api/v1/generations?limit=100&q=paged" + (cursor.map { "&cursor=\($0)" } ?? ""),
                    as: owner
                )
                #expect(page.status == .ok, "\(page.text)")
                ids += page.json["items"]?.arrayValue.compactMap { $0["id"]?.stringValue } ?? []
                cursor = page.json["nextCursor"]?.stringValue
            } while cursor != nil && ids.count < 1000
            #expect(ids.count == 251 && Set(ids).count == 251)
            let csv = try await studio.client.call(.get, "/api/v1/generations.csv?q=paged", as: owner)
            #expect(csv.status == .ok && csv.text.split(separator: "\r\n").count == 252, "\(csv.text.prefix(300))")
        }
    }
}

extension QuotaTests {
    @Test func tenantAdminsSetPerUserLimitsWithinTheTenantsQuota() async throws {
        try await withStudioEnvironment { studio in
            let w = studio.world
            let owner = try await studio.client.login(w.acmeOwner.email)
            let model = studio.models["gemini-2.5-flash-image"]!
            try await studio.db.query("UPDATE tenants SET monthly_image_quota = 10 WHERE id = \(w.acme)", logger: TestDatabase.logger)
            let tooHigh = try await studio.client.call(.put, "/api/v1/users/\(w.acmeMember.id)/limits", as: owner, json: #"{"monthlyImageLimit":11}"#)
            #expect(tooHigh.status == .badRequest && tooHigh.json["error"]?["field"] == .string("monthlyImageLimit"))
            let set = try await studio.client.call(.put, "/api/v1/users/\(w.acmeMember.id)/limits", as: owner, json: #"{"monthlyImageLimit":1}"#)
            #expect(set.status == .ok && set.json["monthlyImageLimit"] == .number(1), "\(set.text)")
            // Members cannot set limits, and another tenant's admin cannot see this user.
            #expect(
                try await studio.client.call(
                    .put,
                    "/api/v1/users/\(w.acmeMember.id)/limits",
                    as: .key(w.acmeMemberKey),
                    json: #"{"monthlyImageLimit":5}"#
                ).status == .forbidden
            )
            let listed = try await studio.client.call(.get, "/api/v1/users/limits", as: owner)
            #expect(listed.json["monthlyImageLimits"]?[w.acmeMember.id.uuidString.lowercased()] == .number(1))

            let member = Caller.key(w.acmeMemberKey)
            let first = try await studio.client.call(
                .post,
                "/api/v1/generations?wait=30",
                as: member,
                json: #"{"modelId":"\#(model)","prompt":"mine"}"#
            )
            #expect(first.json["status"] == .string("succeeded"))
            let second = try await studio.client.call(.post, "/api/v1/generations", as: member, json: #"{"modelId":"\#(model)","prompt":"one more"}"#)
            #expect(second.status == .tooManyRequests && second.json["error"]?["message"]?.stringValue?.contains("your monthly image limit") == true)
            // The owner has no limit of their own and the tenant has room left.
            let ownerKey =
                try await studio.client.call(.post, "/api/v1/keys", as: owner, json: #"{"name":"owner"}"#).json["secret"]?.stringValue ?? ""
            let theirs = try await studio.client.call(
                .post,
                "/api/v1/generations",
                as: .key(ownerKey),
                json: #"{"modelId":"\#(model)","prompt":"owner's"}"#
            )
            #expect(theirs.status == .accepted || theirs.status == .ok)
            let me = try await studio.client.call(.get, "/api/v1/me", as: member).json
            #expect(me["usage"]?["userImageLimit"] == .number(1) && me["usage"]?["userImagesLeft"] == .number(0))
            // null removes the limit.
            let removed = try await studio.client.call(
                .put,
                "/api/v1/users/\(w.acmeMember.id)/limits",
                as: owner,
                json: #"{"monthlyImageLimit":null}"#
            )
            #expect(removed.json["monthlyImageLimit"] == .null)
        }
    }
}

@Suite struct RetentionTests {
    @Test func expiredAndUnusedImagesGoWhileGenerationsAndUsageStay() async throws {
        try await withStudioEnvironment { studio in
            let key = Caller.key(studio.world.acmeMemberKey)
            let model = studio.models["gemini-2.5-flash-image"]!
            var ids: [String] = []
            for prompt in ["kept forever", "too old"] {
                let generated = try await studio.client.call(
                    .post,
                    "/api/v1/generations?wait=30",
                    as: key,
                    json: #"{"modelId":"\#(model)","prompt":"\#(prompt)"}"#
                )
                ids.append(try #require(generated.json["images"]?[0]?["id"]?.stringValue))
            }
            let root = try await studio.client.login(studio.world.root.email)
            let set = try await studio.client.call(
                .patch,
                "/api/v1/tenants/\(studio.world.acme)",
                as: root,
                json: #"{"limits":{"imageRetentionDays":30}}"#
            )
            #expect(set.json["limits"]?["imageRetentionDays"] == .number(30), "\(set.text)")
            let refused = try await studio.client.call(
                .patch,
                "/api/v1/tenants/\(studio.world.acme)",
                as: root,
                json: #"{"limits":{"imageRetentionDays":0}}"#
            )
            #expect(refused.status == .badRequest && refused.json["error"]?["field"] == .string("limits.imageRetentionDays"))

            // One generation and its image are 40 days old; one image belongs to no generation.
            try await studio.db.query(
                """
                UPDATE generations SET created_at = created_at - interval '40 days', started_at = started_at - interval '40 days',
                    finished_at = finished_at - interval '40 days' WHERE prompt = 'too old'
                """,
                logger: TestDatabase.logger
            )
            try await studio.db.query(
                "UPDATE images SET created_at = created_at - interval '40 days' WHERE id = \(UUID(uuidString: ids[1])!)",
                logger: TestDatabase.logger
            )
            try await studio.db.query(
                """
                INSERT INTO images (tenant_id, sha256, mime_type, byte_size, data, created_at)
                VALUES (\(studio.world.globex), sha256('orphan'::bytea), 'image/png', 6, 'orphan'::bytea, now() - interval '2 hours')
                """,
                logger: TestDatabase.logger
            )

            let purged = try await ImageStore(client: studio.db, logger: TestDatabase.logger).purgeImages()
            #expect(purged == 2)
            #expect(try await studio.client.call(.get, "/api/v1/images/\(ids[1])", as: key).status == .notFound)
            #expect(try await studio.client.call(.get, "/api/v1/images/\(ids[0])", as: key).status == .ok)
            let old = (try await studio.client.call(.get, "/api/v1/generations?q=too%20old", as: key)).json["items"]?[0]
            #expect(old?["status"] == .string("succeeded") && old?["images"]?.arrayValue.isEmpty == true && old?["imageCount"] == .number(1))
            let owner = try await studio.client.login(studio.world.acmeOwner.email)
            let day = Date.ISO8601FormatStyle().year().month().day()
            let from = Date().addingTimeInterval(-100 * 86400).formatted(day)
            let to = Date().addingTimeInterval(86400).formatted(day)
            let usage = try await studio.client.call(.get, "/api/v1/usage?from=\(from)&to=\(to)", as: owner).json
            #expect(usage["totals"]?["images"] == .number(2))
            #expect(try await ImageStore(client: studio.db, logger: TestDatabase.logger).purgeImages() == 0)
        }
    }
}
