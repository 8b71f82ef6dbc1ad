import EaselServer
import Foundation
import Testing

@Suite struct ConfigurationTests {
    let minimal = [
        "EASEL_DATABASE_URL": "postgres://easel:secret@db.internal:5433/easel?sslmode=require",
        "EASEL_SECRET_KEY": Data(repeating: 1, count: 32).base64EncodedString(),
    ]

    func problem(_ environment: [String: String]) -> String? {
        do {
            _ = try AppConfiguration.fromEnvironment(environment)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func twoVariablesAreEnoughAndTheRestHaveDefaults() throws {
        let configuration = try AppConfiguration.fromEnvironment(minimal)
        #expect(configuration.databaseURL.host == "db.internal")
        #expect(configuration.databaseURL.port == 5433)
        #expect(configuration.databaseURL.password == "secret")
        #expect(configuration.databaseURL.tlsMode == .require)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.geminiBaseURL == "https://generativelanguage.googleapis.com")
        #expect(configuration.geminiAPIKey == nil)
        #expect(configuration.cookieSecure == false)
    }

    @Test func eachMissingOrMalformedVariableIsNamed() {
        var environment = minimal
        environment["EASEL_DATABASE_URL"] = nil
        #expect(problem(environment) == "EASEL_DATABASE_URL is not set")
        environment["EASEL_DATABASE_URL"] = "mysql://x@y/z"
        #expect(problem(environment)?.hasPrefix("EASEL_DATABASE_URL has scheme 'mysql'") == true)

        environment = minimal
        environment["EASEL_SECRET_KEY"] = "c2hvcnQ="
        #expect(problem(environment)?.hasPrefix("EASEL_SECRET_KEY must be 32 random bytes") == true)

        for (name, value) in [
            ("EASEL_PORT", "eighty"), ("EASEL_PORT", "70000"), ("EASEL_COOKIE_SECURE", "maybe"),
            ("GEMINI_BASE_URL", "ftp://x"), ("EASEL_LOG_LEVEL", "loud"), ("EASEL_BCRYPT_COST", "99"),
        ] {
            environment = minimal
            environment[name] = value
            #expect(problem(environment)?.hasPrefix("\(name) is '\(value)'") == true, "\(name)=\(value)")
        }
    }

    @Test func anHTTPSPublicURLMakesCookiesSecureUnlessTheOperatorSaysOtherwise() throws {
        var environment = minimal
        environment["EASEL_PUBLIC_URL"] = "https://easel.example.com"
        #expect(try AppConfiguration.fromEnvironment(environment).cookieSecure)
        environment["EASEL_COOKIE_SECURE"] = "false"
        #expect(try AppConfiguration.fromEnvironment(environment).cookieSecure == false)
        environment = minimal
        environment["EASEL_PUBLIC_URL"] = "http://127.0.0.1:8080"
        #expect(try AppConfiguration.fromEnvironment(environment).cookieSecure == false)
    }

    @Test func databaseURLNeverPrintsItsPassword() throws {
        let configuration = try AppConfiguration.fromEnvironment(minimal)
        #expect(!"\(configuration.databaseURL)".contains("secret"))
        var environment = minimal
        environment["EASEL_DATABASE_URL"] = "postgres://easel:secret@db/easel?sslmode=bogus"
        #expect(problem(environment)?.contains("secret") == false)
    }

    @Test func optionalValuesAreRead() throws {
        var environment = minimal
        environment["EASEL_PORT"] = "9090"
        environment["GEMINI_BASE_URL"] = "http://127.0.0.1:4010/"
        environment["GEMINI_API_KEY"] = "k"
        environment["EASEL_COOKIE_SECURE"] = "true"
        let configuration = try AppConfiguration.fromEnvironment(environment)
        #expect(configuration.port == 9090)
        #expect(configuration.geminiBaseURL == "http://127.0.0.1:4010")
        #expect(configuration.geminiAPIKey == "k")
        #expect(configuration.cookieSecure)
    }
}
