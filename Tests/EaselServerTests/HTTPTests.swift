import EaselStore
import EaselTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import EaselServer

@Suite struct HTTPTests {
    @Test func healthAnswersWithRequestIDAndSecurityHeaders() async throws {
        try await TestDatabase.with { url, _ in
            let app = try await buildApplication(configuration: testConfiguration(url))
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/health", method: .get)
                #expect(response.status == .ok)
                #expect(response.text.contains(#""status":"ok""#))
                let requestID = try #require(response.headers[RequestIDMiddleware.header])
                #expect(requestID.count >= 16)
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")

                // A proxy's plain request id is kept; a hostile one is replaced.
                let kept = try await client.execute(uri: "/health", method: .get, headers: [RequestIDMiddleware.header: "edge-42.abc"])
                #expect(kept.headers[RequestIDMiddleware.header] == "edge-42.abc")
                let replaced = try await client.execute(uri: "/health", method: .get, headers: [RequestIDMiddleware.header: "bad id\" <script>"])
                #expect(replaced.headers[RequestIDMiddleware.header] != "bad id\" <script>")
            }
        }
    }

    @Test func readyWhenTheDatabaseIsUpAndNotWhenItGoesAway() async throws {
        try await TestDatabase.with { url, _ in
            let app = try await buildApplication(configuration: testConfiguration(url))
            try await app.test(.router) { client in
                let up = try await client.execute(uri: "/ready", method: .get)
                #expect(up.status == .ok)
                #expect(up.text == #"{"status":"ready"}"#)

                // The database disappears under the running app (connections are terminated).
                try await TestDatabase.drop(url.database, server: try TestDatabase.serverURL())
                let down = try await client.execute(uri: "/ready", method: .get)
                #expect(down.status == .serviceUnavailable)
                let body = try down.decode(ErrorEnvelope.self)
                #expect(body.error.code == "database_unavailable")
                // The visitor learns why only as a code; the database's words stay in the log.
                #expect(!body.error.message.contains("does not exist"))
                #expect(!body.error.message.contains(url.database))
                #expect(body.error.requestId == down.headers[RequestIDMiddleware.header])

                // /health speaks for the process alone and stays up.
                #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
            }
        }
    }

    @Test func readyReportsPendingMigrations() async throws {
        try await TestDatabase.with(migrated: false) { url, _ in
            var configuration = testConfiguration(url)
            configuration.migrateOnStart = false
            let app = try await buildApplication(configuration: configuration)
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/ready", method: .get)
                #expect(response.status == .serviceUnavailable)
                let body = try response.decode(ErrorEnvelope.self)
                #expect(body.error.code == "migrations_pending")
                #expect(!body.error.message.contains("0001"))
            }
        }
    }

    @Test func startupNamesAnUnreachableDatabase() async throws {
        let server = try TestDatabase.serverURL()
        let app = try await buildApplication(configuration: testConfiguration(server.with(database: "no_such_database")))
        await #expect { try await app.test(.router) { _ in } } throws: { error in
            "\(error)".contains("cannot connect to PostgreSQL") && "\(error)".contains("\"no_such_database\" does not exist")
        }
    }

    @Test func unknownRoutesGetAJSON404() async throws {
        try await TestDatabase.with { url, _ in
            let app = try await buildApplication(configuration: testConfiguration(url))
            try await app.test(.router) { client in
                let response = try await client.execute(uri: "/api/v1/nothing-here", method: .get)
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try response.decode(ErrorEnvelope.self)
                #expect(body.error.code == "not_found")
                #expect(body.error.message.contains("/api/v1/nothing-here"))
                #expect(body.error.requestId == response.headers[RequestIDMiddleware.header])
                // Error answers carry the security headers too.
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            }
        }
    }

    @Test func staticFilesHaveTheirContentTypes() async throws {
        try await TestDatabase.with { url, _ in
            let app = try await buildApplication(configuration: testConfiguration(url))
            try await app.test(.router) { client in
                let index = try await client.execute(uri: "/", method: .get)
                #expect(index.status == .ok)
                #expect(index.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(index.text.contains("<title>Easel"))
                let css = try await client.execute(uri: "/css/app.css", method: .get)
                #expect(css.headers[.contentType]?.hasPrefix("text/css") == true)
                let js = try await client.execute(uri: "/js/app.js", method: .get)
                #expect(js.headers[.contentType]?.contains("javascript") == true)
                let missing = try await client.execute(uri: "/css/missing.css", method: .get)
                #expect(missing.status == .notFound)
                // Paths that climb out of Public/ are not served.
                let climb = try await client.execute(uri: "/../Package.swift", method: .get)
                #expect(climb.status == .notFound || climb.status == .badRequest)
                #expect(!climb.text.contains("PackageDescription"))
            }
        }
    }
}

/// JSON bodies are read by one helper; its answers to bad input are checked through the real
/// error middleware.
@Suite struct JSONBodyTests {
    struct Payload: Decodable {
        var name: String
        var count: Int
        var tags: [String]?
    }

    func app() -> some ApplicationProtocol {
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware {
            RequestIDMiddleware()
            ErrorMiddleware()
        }
        router.post("echo") { request, context -> String in
            let payload = try await request.decodeJSON(as: Payload.self, context: context, maxBytes: 64)
            return "\(payload.name):\(payload.count)"
        }
        return Application(router: router)
    }

    func post(_ body: String, contentType: String = "application/json") async throws -> (HTTPResponse.Status, ErrorEnvelope?) {
        try await app().test(.router) { client in
            let response = try await client.execute(
                uri: "/echo",
                method: .post,
                headers: [.contentType: contentType],
                body: ByteBuffer(string: body)
            )
            return (response.status, try? response.decode(ErrorEnvelope.self))
        }
    }

    @Test func acceptsAWellFormedBody() async throws {
        let (status, error) = try await post(#"{"name":"a","count":2}"#)
        #expect(status == .ok)
        #expect(error == nil)
    }

    @Test func malformedJSONIsA400ThatSaysSo() async throws {
        let (status, error) = try await post(#"{"name": "a", "count": "#)
        #expect(status == .badRequest)
        #expect(error?.error.code == "invalid_json")
        #expect(error?.error.message == "The request body is not valid JSON.")
    }

    @Test func missingAndMistypedFieldsAreNamed() async throws {
        let missing = try await post(#"{"name":"a"}"#)
        #expect(missing.0 == .badRequest)
        #expect(missing.1?.error.message == "Field 'count' is required.")
        let mistyped = try await post(#"{"name":"a","count":"two"}"#)
        #expect(mistyped.1?.error.message == "Field 'count' has the wrong type; expected an integer.")
        let nested = try await post(#"{"name":"a","count":1,"tags":[1]}"#)
        #expect(nested.1?.error.message == "Field 'tags[0]' has the wrong type; expected a string.")
    }

    @Test func escapedNULCharactersAreRefused() async throws {
        let nul = try await post(#"{"name":"a\u0000b","count":1}"#)
        #expect(nul.0 == .badRequest)
        #expect(nul.1?.error.message.contains("NUL") == true)
        // An escaped backslash followed by "u0000" is ordinary text.
        let text = try await post(#"{"name":"a\\u0000","count":1}"#)
        #expect(text.0 == .ok)
    }

    @Test func emptyOversizedAndNonJSONBodiesAreRefused() async throws {
        let empty = try await post("")
        #expect(empty.0 == .badRequest)
        #expect(empty.1?.error.message.contains("empty") == true)
        let large = try await post(#"{"name":"\#(String(repeating: "x", count: 100))","count":1}"#)
        #expect(large.0 == .contentTooLarge)
        #expect(large.1?.error.code == "payload_too_large")
        let text = try await post("name=a", contentType: "text/plain")
        #expect(text.0 == .unsupportedMediaType)
    }
}
