import EaselStore
import EaselTestSupport
import Foundation
import PostgresNIO
import Testing

/// Migration 0013 applies Google's December 2026 catalog to the configs an installation has.
@Suite struct ModelCatalogMigrationTests {
    let logger = TestDatabase.logger

    @Test func configsOnShutDownIdsGetTheirDateAndASuccessorWhereOneExists() async throws {
        try await TestDatabase.with(migrated: false) { _, client in
            let all = try Migration.load(from: TestDatabase.migrationsDirectory)
            try await Migrator(client: client, migrations: all.filter { $0.version < 13 }, logger: logger).migrate()
            func insert(_ name: String, _ apiModel: String) async throws -> UUID {
                try await client.query(
                    "INSERT INTO models (name, api_model, capabilities) VALUES (\(name), \(apiModel), '{}'::jsonb) RETURNING id",
                    logger: logger
                ).collect().first!.decode(UUID.self)
            }
            let pro = try await insert("Pro preview", "gemini-3-pro-image-preview")
            let proGA = try await insert("Pro", "gemini-3-pro-image")
            let flash = try await insert("Flash preview", "gemini-3.1-flash-image-preview")
            let old = try await insert("Old", "gemini-2.5-flash-image")
            let current = try await insert("Current", "gemini-3.1-flash-image")

            try await Migrator(client: client, migrations: all, logger: logger).migrate()
            func lifecycle(_ id: UUID) async throws -> (String?, UUID?) {
                try await client.query("SELECT deprecation_date::text, successor_id FROM models WHERE id = \(id)", logger: logger)
                    .collect().first!.decode((String?, UUID?).self)
            }
            #expect(try await lifecycle(pro) == ("2026-06-25", proGA))
            #expect(try await lifecycle(flash) == ("2026-06-25", current))
            #expect(try await lifecycle(old) == ("2026-10-02", current))
            #expect(try await lifecycle(current) == (nil, nil))
            #expect(try await lifecycle(proGA) == (nil, nil))
            // The generally available ids are priced as their previews were.
            let priced = try await client.query(
                """
                SELECT count(*)::int FROM model_prices
                WHERE api_model IN ('gemini-3-pro-image', 'gemini-3.1-flash-image') AND service_tier = 'standard'
                """,
                logger: logger
            ).collect().first!.decode(Int.self)
            #expect(priced == 8)
        }
    }

    /// Migration 0016 prices the service tiers (flex at half, priority unpriced) and gives
    /// existing 3.1 Flash Image configs image search.
    @Test func serviceTiersArePricedApartAndFlashConfigsGetImageSearch() async throws {
        try await TestDatabase.with(migrated: false) { _, client in
            let all = try Migration.load(from: TestDatabase.migrationsDirectory)
            try await Migrator(client: client, migrations: all.filter { $0.version < 16 }, logger: logger).migrate()
            func insert(_ apiModel: String) async throws -> UUID {
                try await client.query(
                    """
                    INSERT INTO models (name, api_model, capabilities)
                    VALUES (\(apiModel), \(apiModel), '{"maxInputImages":14,"aspectRatios":["1:1"],"imageSizes":[],"thinkingLevels":[],"groundingAllowed":true}'::jsonb)
                    RETURNING id
                    """,
                    logger: logger
                ).collect().first!.decode(UUID.self)
            }
            let flash = try await insert("gemini-3.1-flash-image")
            let pro = try await insert("gemini-3-pro-image")
            try await Migrator(client: client, migrations: all, logger: logger).migrate()
            func imageSearch(_ id: UUID) async throws -> Bool? {
                try await client.query("SELECT (capabilities->>'imageSearchAllowed')::boolean FROM models WHERE id = \(id)", logger: logger)
                    .collect().first!.decode(Bool?.self)
            }
            #expect(try await imageSearch(flash) == true)
            #expect(try await imageSearch(pro) == nil)
            let (standard, flex, priority) = try await client.query(
                """
                SELECT generation_cost_micros('gemini-3.1-flash-image', 'standard', '2026-12-01', 10, 1120, 1120, 0),
                       generation_cost_micros('gemini-3.1-flash-image', 'flex', '2026-12-01', 10, 1120, 1120, 0),
                       generation_cost_micros('gemini-3.1-flash-image', 'priority', '2026-12-01', 10, 1120, 1120, 0)
                """,
                logger: logger
            ).collect().first!.decode((Int?, Int?, Int?).self)
            // 10 input tokens at $0.50 and 1120 image tokens at $60 per million: 67,205 micro-dollars.
            #expect(standard == 67_205)
            #expect(flex == 33_603, "flex is half the standard price (rounded)")
            #expect(priority == nil, "priority has no price until an admin adds one")
        }
    }
}
