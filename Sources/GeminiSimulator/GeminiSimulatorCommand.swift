import ArgumentParser
import Foundation
import GeminiSimulatorKit
import Hummingbird
import Logging

/// A local stand-in for Google's Gemini API for tests, benchmarks and development.
/// It must never serve production traffic: its images are synthetic test patterns.
@main
struct GeminiSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "GeminiSimulator",
        abstract: "A local Gemini API stand-in for tests and development. Never use it in production.",
        discussion: "Prints the port it listens on as the first line of standard output."
    )

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Require this API key (x-goog-api-key header or ?key=).")
    var key: String?

    @Option(name: .customLong("latency-ms"), help: "Delay every answer by this many milliseconds.")
    var latencyMilliseconds: Int = 0

    @Option(name: .customLong("served-on"), help: "Serve the model list of this day (YYYY-MM-DD, UTC) instead of today's.")
    var servedOn: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let configuration = SimulatorConfiguration(
            host: host,
            port: port,
            apiKey: key,
            latency: .milliseconds(latencyMilliseconds),
            servedOn: servedOn
        )
        let app = buildSimulator(configuration: configuration) { port in
            FileHandle.standardOutput.write(Data("\(port)\n".utf8))
        }
        try await app.runService()
    }
}
