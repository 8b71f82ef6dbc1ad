import Foundation
import Gemini
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Builds the simulator application. `onServerRunning` receives the bound port.
public func buildSimulator(
    configuration: SimulatorConfiguration,
    state: SimulatorState = SimulatorState(),
    logger: Logger = Logger(label: "gemini-simulator"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: SimulatorRequestContext.self)
    let simulator = GeminiSimulator(configuration: configuration, state: state)
    router.get("health") { _, _ in "ok" }
    // Google serves the image models under v1beta and v1 (which recent SDKs default to).
    for version in ["v1beta", "v1"] {
        router.get("\(version)/models") { request, context in try await simulator.listModels(request, context) }
        router.post("\(version)/models/:target") { request, context in try await simulator.handle(request, context) }
    }
    router.get("_sim/requests") { _, _ -> Response in
        let data = try JSONEncoder().encode(state.requests)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
    router.get("_sim/answers") { _, _ -> Response in
        let data = try JSONEncoder().encode(state.answers)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }
    router.post("_sim/release/:token") { _, context -> HTTPResponse.Status in
        state.release(try context.parameters.require("token"))
        return .noContent
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "GeminiSimulator"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
        logger: logger
    )
}
