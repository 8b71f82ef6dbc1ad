import AsyncHTTPClient
import Foundation
import Gemini
import GeminiSimulatorKit
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a simulator on a free loopback port for the duration of `body`. Each test gets its own,
/// so faults never leak between tests running in parallel. It serves Google's model list of
/// `servedOn` (nil: today's).
func withSimulator<T: Sendable>(
    apiKey: String? = "test-key",
    servedOn: String? = SimulatorConfiguration.lastDayOfAllFamilies,
    _ body: @Sendable (_ endpoint: GeminiEndpoint, _ state: SimulatorState) async throws -> T
) async throws -> T {
    let state = SimulatorState()
    var logger = Logger(label: "simulator")
    logger.logLevel = .critical
    let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = buildSimulator(configuration: SimulatorConfiguration(apiKey: apiKey, servedOn: servedOn), state: state, logger: logger) { port in
        portContinuation.yield(port)
    }
    return try await withThrowingTaskGroup(of: T?.self) { group in
        let serviceGroup = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger)
        )
        group.addTask {
            try await serviceGroup.run()
            return nil
        }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        do {
            let result = try await body(GeminiEndpoint(baseURL: "http://127.0.0.1:\(port)", apiKey: apiKey), state)
            await serviceGroup.triggerGracefulShutdown()
            return result
        } catch {
            await serviceGroup.triggerGracefulShutdown()
            throw error
        }
    }!
}

/// One client for all tests, as in production one serves the whole process.
let sharedHTTPClient = GeminiClient.makeHTTPClient()
let client = GeminiClient(httpClient: sharedHTTPClient)

/// Fast retries so tests of the retry logic do not wait seconds.
let fastRetry = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(20))

func imageRequest(
    _ prompt: String,
    aspectRatio: String? = nil,
    imageSize: String? = nil,
    modalities: [Modality]? = nil
) -> GenerateContentRequest {
    GenerateContentRequest(
        contents: [.user(.text(prompt))],
        generationConfig: GenerationConfig(
            responseModalities: modalities,
            imageConfig: aspectRatio == nil && imageSize == nil ? nil : ImageConfig(aspectRatio: aspectRatio, imageSize: imageSize)
        )
    )
}

enum Fixture {
    static func data(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }
}
