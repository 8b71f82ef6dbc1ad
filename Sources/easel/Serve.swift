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
            let app = try await buildApplication(configuration: configuration, logger: logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: [app],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    cancellationSignals: [],
                    logger: logger
                ).withMaximumGracefulShutdown(configuration.shutdownGracePeriod)
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
