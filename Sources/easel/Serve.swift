import ArgumentParser
import EaselServer
import EaselStore
import Logging
import ServiceLifecycle

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
            // The grace period, shared out: calls in flight may finish for most of it, the server
            // and the database pool then close, and at its end the process exits regardless.
            let grace = configuration.shutdownGracePeriod
            let drain = ShutdownDrain(
                budget: max(grace * 0.5, grace - .seconds(5)),
                exitDeadline: max(grace * 0.9, grace - .seconds(1)),
                logger: logger
            )
            let app = try await buildApplication(configuration: configuration, logger: logger, drain: drain)
            let group = ServiceGroup(
                configuration: .init(
                    // Told to shut down in reverse order: the drain first, then the application.
                    services: [app, drain],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    cancellationSignals: [],
                    logger: logger
                ).withMaximumGracefulShutdown(max(grace * 0.8, grace - .seconds(2)))
            )
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
