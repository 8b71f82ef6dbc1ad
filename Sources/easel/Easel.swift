import ArgumentParser
import EaselCore
import EaselServer
import EaselStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

@main
struct Easel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "easel",
        abstract: "A self-hosted studio and gateway for Google's Gemini image models.",
        discussion: "Configuration comes from the environment; see the README for every variable.",
        subcommands: [Serve.self, Migrate.self, CreateAdmin.self, CreateTenant.self, SeedModels.self, RotateSecret.self, Usage.self],
        defaultSubcommand: Serve.self)

    static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// The configuration, or exit 2 with one line naming the variable at fault.
    static func loadConfiguration() throws -> AppConfiguration {
        do {
            return try AppConfiguration.fromEnvironment()
        } catch {
            FileHandle.standardError.write(Data("easel: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Prints an operator-facing failure as one line and exits 1.
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("easel: \(message)\n".utf8))
        return ExitCode(1)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server (applies pending migrations first).")

    @Flag(name: .long, help: "Do not apply pending migrations at start-up; /ready reports them until `easel migrate` runs.")
    var noMigrate = false

    func run() async throws {
        var configuration = try Easel.loadConfiguration()
        configuration.migrateOnStart = !noMigrate
        Easel.bootstrapLogging(level: configuration.logLevel)
        let logger = Logger(label: "easel")
        do {
            let app = try await buildApplication(configuration: configuration, logger: logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: [app],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    cancellationSignals: [],
                    logger: logger
                ).withMaximumGracefulShutdown(configuration.shutdownGracePeriod))
            try await group.run()
        } catch let error as StartupError {
            throw Easel.fail(error.description)
        } catch let error as MigrationError {
            throw Easel.fail(error.description)
        }
    }
}

extension ServiceGroupConfiguration {
    fileprivate func withMaximumGracefulShutdown(_ duration: Duration) -> Self {
        var copy = self
        copy.maximumGracefulShutdownDuration = duration
        return copy
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations, then exit.")

    @Flag(name: .long, help: "Only report which migrations are applied and which are pending.")
    var status = false

    func run() async throws {
        let configuration = try Easel.loadConfiguration()
        Easel.bootstrapLogging(level: configuration.logLevel)
        let logger = Logger(label: "easel.migrate")
        let statusOnly = status
        do {
            let migrations = try Migration.load(from: URL(fileURLWithPath: configuration.migrationsDirectory))
            let message = try await PostgresClient.withRunning(
                configuration.databaseURL.clientConfiguration(maximumConnections: 2), logger: logger
            ) { client in
                let migrator = Migrator(client: client, migrations: migrations, logger: logger)
                if statusOnly {
                    let status = try await withTimeout(.seconds(30)) { try await migrator.status() }
                    return "applied: \(format(status.applied)); pending: \(format(status.pending))"
                }
                let applied = try await withTimeout(.seconds(300)) { try await migrator.migrate() }
                return applied.isEmpty ? "schema is current; nothing to apply" : "applied \(format(applied))"
            }
            print(message)
        } catch let error as MigrationError {
            throw Easel.fail(error.description)
        } catch is TimeoutError {
            throw Easel.fail("PostgreSQL at \(configuration.databaseURL) did not answer in time")
        } catch {
            throw Easel.fail("could not migrate \(configuration.databaseURL): \(PostgresErrorMessage.describe(error))")
        }
    }
}

private func format(_ versions: [Int]) -> String {
    versions.isEmpty ? "none" : versions.map { String(format: "%04d", $0) }.joined(separator: ", ")
}

struct CreateAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin",
        abstract: "Create a platform admin.",
        discussion: "Without --password-stdin a strong password is generated and printed once.")

    @Option(help: "The admin's e-mail address, used to log in.")
    var email: String

    @Option(help: "The name shown in the console.")
    var name: String = ""

    @Flag(help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    @Flag(help: "Do nothing (and succeed) when a platform admin already exists.")
    var ifNone = false

    func run() async throws {
        let configuration = try Easel.loadConfiguration()
        Easel.bootstrapLogging(level: .warning)
        let logger = Logger(label: "easel.create-admin")
        let address: EmailAddress
        do { address = try EmailAddress(email) } catch { throw Easel.fail("\(error)") }

        var password = GeneratedSecret.password()
        if passwordStdin {
            guard let line = readLine(strippingNewline: true) else {
                throw Easel.fail("--password-stdin was given but standard input is empty")
            }
            do { try PasswordPolicy().validate(line) } catch { throw Easel.fail("\(error)") }
            password = line
        }
        let hash = try await PasswordHasher(cost: configuration.bcryptCost).hash(password)
        let displayName = name
        let skipIfAny = ifNone
        do {
            let created = try await PostgresClient.withRunning(
                configuration.databaseURL.clientConfiguration(maximumConnections: 2), logger: logger
            ) { client in
                let users = UserStore(client: client, logger: logger)
                if skipIfAny, try await users.activePlatformAdminCount() > 0 { return false }
                _ = try await users.createPlatformAdmin(
                    email: address, displayName: displayName, passwordHash: hash,
                    audit: AuditEntry(actor: "cli", action: "user.create", detailsJSON: #"{"role":"platform_admin"}"#))
                return true
            }
            guard created else {
                print("A platform admin already exists; nothing created.")
                return
            }
        } catch let error as StoreError {
            throw Easel.fail(error.description)
        } catch {
            throw Easel.fail("could not create the admin in \(configuration.databaseURL): \(PostgresErrorMessage.describe(error))")
        }
        print("Created platform admin \(address)")
        if !passwordStdin { print("Password: \(password)") }
    }
}

struct CreateTenant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-tenant", abstract: "Create a tenant (an organisation) and print its id.")

    @Option(help: "The tenant's name.")
    var name: String

    @Option(help: "Lower-case letters, digits and dashes; made from the name when left out.")
    var slug: String?

    func run() async throws {
        let configuration = try Easel.loadConfiguration()
        Easel.bootstrapLogging(level: .warning)
        let logger = Logger(label: "easel.create-tenant")
        let tenant: TenantStore.NewTenant
        do {
            let name = try TenantRules.name(self.name)
            tenant = TenantStore.NewTenant(name: name, slug: try slug.map { try TenantRules.slug($0) } ?? TenantRules.slug(fromName: name))
        } catch {
            throw Easel.fail("\(error)")
        }
        do {
            let created = try await PostgresClient.withRunning(
                configuration.databaseURL.clientConfiguration(maximumConnections: 2), logger: logger
            ) { client in
                try await TenantStore(client: client, logger: logger).create(tenant, audit: AuditEntry(actor: "cli", action: "tenant.create"))
            }
            print("Created tenant \(created.name) (\(created.slug)): \(created.id.uuidString.lowercased())")
        } catch let error as StoreError {
            throw Easel.fail(error.description)
        } catch {
            throw Easel.fail("could not create the tenant in \(configuration.databaseURL): \(PostgresErrorMessage.describe(error))")
        }
    }
}

struct SeedModels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-models",
        abstract: "Add Google's three image models as platform-wide configs, unless platform models exist already.")

    func run() async throws {
        let configuration = try Easel.loadConfiguration()
        Easel.bootstrapLogging(level: .warning)
        let logger = Logger(label: "easel.seed-models")
        do {
            let created = try await PostgresClient.withRunning(
                configuration.databaseURL.clientConfiguration(maximumConnections: 2), logger: logger
            ) { client in
                let models = ModelStore(client: client, logger: logger, box: SecretBox(secret: configuration.secretKey))
                guard try await models.listManaged(tenantID: nil).allSatisfy({ $0.tenantID != nil }) else { return [String]() }
                var names: [String] = []
                for seed in ModelSeeds.all {
                    let record = try await models.create(
                        tenantID: nil, seed, token: nil, audit: AuditEntry(actor: "cli", action: "model.create"))
                    names.append(record.name)
                }
                return names
            }
            print(created.isEmpty ? "Platform models exist already; nothing added." : "Added \(created.joined(separator: ", ")).")
        } catch {
            throw Easel.fail("could not seed models: \(PostgresErrorMessage.describe(error))")
        }
    }
}

struct RotateSecret: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-secret",
        abstract: "Re-encrypt every stored upstream token under a new secret key.",
        discussion: """
            Reads the new key (32 random bytes, base64) from standard input; EASEL_SECRET_KEY holds the current one. \
            All tokens are re-encrypted in one transaction. Afterwards set EASEL_SECRET_KEY to the new key and restart \
            every instance; browser sessions then need their CSRF token again, which the console fetches by itself.
            """)

    func run() async throws {
        let configuration = try Easel.loadConfiguration()
        Easel.bootstrapLogging(level: .warning)
        let logger = Logger(label: "easel.rotate-secret")
        guard let line = readLine(strippingNewline: true), let newKey = Data(base64Encoded: line.trimmingCharacters(in: .whitespaces)),
            newKey.count == 32
        else {
            throw Easel.fail("standard input must hold the new key: 32 random bytes in base64 (openssl rand -base64 32)")
        }
        guard newKey != configuration.secretKey else { throw Easel.fail("the new key is the current one") }
        do {
            let count = try await PostgresClient.withRunning(
                configuration.databaseURL.clientConfiguration(maximumConnections: 2), logger: logger
            ) { client in
                try await ModelStore.reencryptTokens(
                    client: client, from: SecretBox(secret: configuration.secretKey), to: SecretBox(secret: newKey), logger: logger)
            }
            print("Re-encrypted \(count) token\(count == 1 ? "" : "s"). Now set EASEL_SECRET_KEY to the new key and restart Easel.")
        } catch let error as SecretBoxError {
            throw Easel.fail("\(error); nothing was changed")
        } catch {
            throw Easel.fail("could not rotate: \(PostgresErrorMessage.describe(error)); nothing was changed")
        }
    }
}

struct Usage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Print usage figures as CSV (the console's usage export) for one tenant or all, per UTC day range.")

    @Option(help: "The tenant's slug; every tenant when left out.")
    var tenant: String?

    @Option(help: "The first UTC day, YYYY-MM-DD (default: the first of this month).")
    var from: String?

    @Option(help: "The day after the last, YYYY-MM-DD (default: tomorrow).")
    var to: String?

    @Option(name: .customLong("group-by"), help: "total, day, month, model, user, tenant or reason.")
    var groupBy: String = "day"

    func run() async throws {
        let configuration = try Easel.loadConfiguration()
        Easel.bootstrapLogging(level: .warning)
        let logger = Logger(label: "easel.usage")
        guard let grouping = UsageStore.Grouping(rawValue: groupBy) else {
            throw Easel.fail("--group-by must be one of \(UsageStore.Grouping.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func day(_ text: String?, _ name: String) throws -> Date? {
            guard let text else { return nil }
            guard let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) else {
                throw Easel.fail("--\(name) must be a date such as 2026-11-01")
            }
            return date
        }
        let (start, end): (Date, Date)
        do {
            (start, end) = try UsageStore.dayRange(from: try day(from, "from"), to: try day(to, "to"))
        } catch let error as EaselCore.ValidationError {
            throw Easel.fail("--\(error.field) \(error.message)")
        }
        do {
            let csv = try await PostgresClient.withRunning(
                configuration.databaseURL.clientConfiguration(maximumConnections: 2), logger: logger
            ) { client in
                var tenantID: UUID? = nil
                if let tenant {
                    guard let record = try await TenantStore(client: client, logger: logger).get(slug: tenant) else {
                        throw Easel.fail("no tenant has the slug '\(tenant)'")
                    }
                    tenantID = record.id
                }
                let groups = try await UsageStore(client: client, logger: logger).figures(
                    tenantID: tenantID, from: start, to: end, groupBy: grouping)
                return CSV.usage(groups)
            }
            print(csv, terminator: "")
        } catch let error as ExitCode {
            throw error
        } catch {
            throw Easel.fail("could not read usage from \(configuration.databaseURL): \(PostgresErrorMessage.describe(error))")
        }
    }
}
