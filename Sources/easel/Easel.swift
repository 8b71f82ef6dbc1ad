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
        defaultSubcommand: Serve.self
    )

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

    /// Runs a one-shot command's `body` against the database: the configuration (or exit 2
    /// naming the variable at fault), quiet logging, a small pool for the length of `body`, and
    /// every failure said in one line (exit 1): "could not `what` at <database>: <reason>".
    static func withDatabase<T: Sendable>(
        doing what: String,
        logLevel: Logger.Level = .warning,
        _ body: @escaping @Sendable (PostgresClient, AppConfiguration, Logger) async throws -> T
    ) async throws -> T {
        let configuration = try loadConfiguration()
        bootstrapLogging(level: logLevel)
        let logger = Logger(label: "easel")
        do {
            return try await PostgresClient.withRunning(
                configuration.databaseURL.clientConfiguration(maximumConnections: 2),
                logger: logger
            ) { client in
                try await body(client, configuration, logger)
            }
        } catch let error as ExitCode {
            throw error
        } catch let error as StoreError {
            throw fail(error.description)
        } catch let error as MigrationError {
            throw fail(error.description)
        } catch is TimeoutError {
            throw fail("PostgreSQL at \(configuration.databaseURL) did not answer in time")
        } catch {
            throw fail("could not \(what) at \(configuration.databaseURL): \(PostgresErrorMessage.describe(error))")
        }
    }
}
