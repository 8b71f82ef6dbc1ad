import EaselStore
import EaselTestSupport
import Foundation
import NIOCore
import PostgresNIO
import Testing

/// The schema itself refuses rows that would break Easel's rules, whatever code writes them.
@Suite struct SchemaConstraintTests {
    let logger = TestDatabase.logger
    static let bcrypt = "$2b$04$abcdefghijklmnopqrstuuOxEa7DYJ5yJv5Q3sVQ0sXQG0q1M5Smy"

    /// Runs `query` and returns the SQLSTATE it failed with, or nil if it succeeded.
    func sqlState(_ client: PostgresClient, _ query: PostgresQuery) async -> String? {
        do {
            try await client.query(query, logger: logger)
            return nil
        } catch {
            return PostgresErrorMessage.sqlState(error) ?? "not a server error: \(error)"
        }
    }

    func tenant(_ client: PostgresClient, _ slug: String) async throws -> UUID {
        try await client.query("INSERT INTO tenants (name, slug) VALUES (\(slug), \(slug)) RETURNING id", logger: logger)
            .collect().first!.decode(UUID.self)
    }

    func member(_ client: PostgresClient, tenant: UUID, email: String) async throws -> UUID {
        try await client.query(
            "INSERT INTO users (tenant_id, email, role, password_hash) VALUES (\(tenant), \(email), 'member', \(Self.bcrypt)) RETURNING id",
            logger: logger
        ).collect().first!.decode(UUID.self)
    }

    @Test func usersBelongToATenantUnlessPlatformAdmins() async throws {
        try await TestDatabase.with { _, client in
            let acme = try await tenant(client, "acme")
            #expect(await sqlState(client, "INSERT INTO users (email, role, password_hash) VALUES ('a@x.io', 'member', \(Self.bcrypt))") == "23514")
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO users (tenant_id, email, role, password_hash) VALUES (\(acme), 'b@x.io', 'platform_admin', \(Self.bcrypt))"
                ) == "23514"
            )
            #expect(
                await sqlState(client, "INSERT INTO users (email, role, password_hash) VALUES ('root@x.io', 'platform_admin', \(Self.bcrypt))") == nil
            )
        }
    }

    @Test func emailsAreLowerCaseUniqueAndActiveUsersHaveAPassword() async throws {
        try await TestDatabase.with { _, client in
            let acme = try await tenant(client, "acme")
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO users (tenant_id, email, role, password_hash) VALUES (\(acme), 'Ada@X.io', 'member', \(Self.bcrypt))"
                ) == "23514"
            )
            _ = try await member(client, tenant: acme, email: "ada@x.io")
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO users (tenant_id, email, role, password_hash) VALUES (\(acme), 'ada@x.io', 'admin', \(Self.bcrypt))"
                ) == "23505"
            )
            #expect(
                await sqlState(client, "INSERT INTO users (tenant_id, email, role, status) VALUES (\(acme), 'c@x.io', 'member', 'active')") == "23514"
            )
            #expect(
                await sqlState(client, "INSERT INTO users (tenant_id, email, role, password_hash) VALUES (\(acme), 'd@x.io', 'member', 'plaintext')")
                    == "23514"
            )
        }
    }

    @Test func rowsCannotPointIntoAnotherTenant() async throws {
        try await TestDatabase.with { _, client in
            let acme = try await tenant(client, "acme")
            let globex = try await tenant(client, "globex")
            let globexUser = try await member(client, tenant: globex, email: "g@globex.io")
            let hash = ByteBuffer(repeating: 7, count: 32)
            // An API key filed under acme for a globex user is refused by the composite foreign key.
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO api_keys (tenant_id, user_id, name, prefix, key_hash) VALUES (\(acme), \(globexUser), 'k', 'esl_abcd', \(hash))"
                ) == "23503"
            )
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO api_keys (tenant_id, user_id, name, prefix, key_hash) VALUES (\(globex), \(globexUser), 'k', 'esl_abcd', \(hash))"
                ) == nil
            )
            #expect(await sqlState(client, "INSERT INTO conversations (tenant_id, user_id) VALUES (\(acme), \(globexUser))") == "23503")
        }
    }

    @Test func modelNamesAreUniquePerScopeAndSortOrderIsNotNegative() async throws {
        try await TestDatabase.with { _, client in
            let acme = try await tenant(client, "acme")
            #expect(await sqlState(client, "INSERT INTO models (name, api_model) VALUES ('Nano Banana', 'gemini-2.5-flash-image')") == nil)
            #expect(await sqlState(client, "INSERT INTO models (name, api_model) VALUES ('nano banana', 'gemini-2.5-flash-image')") == "23505")
            #expect(
                await sqlState(client, "INSERT INTO models (tenant_id, name, api_model) VALUES (\(acme), 'Nano Banana', 'gemini-2.5-flash-image')")
                    == nil
            )
            #expect(
                await sqlState(client, "INSERT INTO models (name, api_model, sort_order) VALUES ('Other', 'gemini-3-pro-image-preview', -1)")
                    == "23514"
            )
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO models (name, api_model, base_url) VALUES ('Ftp', 'gemini-3-pro-image-preview', 'ftp://example.com')"
                ) == "23514"
            )
            #expect(
                await sqlState(client, "INSERT INTO models (name, api_model, token_hint) VALUES ('Half token', 'gemini-3-pro-image-preview', 'abcd')")
                    == "23514"
            )
        }
    }

    @Test func generationsKeepTheirModelAndTerminalStatesHaveAFinishTime() async throws {
        try await TestDatabase.with { _, client in
            let acme = try await tenant(client, "acme")
            let user = try await member(client, tenant: acme, email: "ada@acme.io")
            let model = try await client.query(
                "INSERT INTO models (name, api_model) VALUES ('M', 'gemini-2.5-flash-image') RETURNING id",
                logger: logger
            ).collect().first!.decode(UUID.self)
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO generations (tenant_id, user_id, model_id, source, request, status) VALUES (\(acme), \(user), \(model), 'api', '{}', 'succeeded')"
                ) == "23514"
            )
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO generations (tenant_id, user_id, model_id, source, request, status) VALUES (\(acme), \(user), \(model), 'api', '{}', 'running')"
                ) == "23514"
            )
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO generations (tenant_id, user_id, model_id, source, request) VALUES (\(acme), \(user), \(model), 'api', '{}')"
                ) == nil
            )
            // A model that generations reference cannot be deleted.
            #expect(await sqlState(client, "DELETE FROM models WHERE id = \(model)") == "23503")
        }
    }

    @Test func imagesAreStoredOncePerTenant() async throws {
        try await TestDatabase.with { _, client in
            let acme = try await tenant(client, "acme")
            let globex = try await tenant(client, "globex")
            let sha = ByteBuffer(repeating: 1, count: 32)
            let data = ByteBuffer(repeating: 9, count: 10)
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO images (tenant_id, sha256, mime_type, byte_size, data) VALUES (\(acme), \(sha), 'image/png', 10, \(data))"
                ) == nil
            )
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO images (tenant_id, sha256, mime_type, byte_size, data) VALUES (\(acme), \(sha), 'image/png', 10, \(data))"
                ) == "23505"
            )
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO images (tenant_id, sha256, mime_type, byte_size, data) VALUES (\(globex), \(sha), 'image/png', 10, \(data))"
                ) == nil
            )
            #expect(
                await sqlState(
                    client,
                    "INSERT INTO images (tenant_id, sha256, mime_type, byte_size, data) VALUES (\(globex), \(sha), 'image/gif', 10, \(data))"
                ) == "23514"
            )
        }
    }
}
