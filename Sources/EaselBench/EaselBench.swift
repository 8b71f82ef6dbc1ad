import AsyncHTTPClient
import Foundation
import Gemini
import GeminiSimulatorKit
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Benchmarks of the Gemini client, each reported against a baseline measured in the same run.
///
///     EaselBench decode SIZE_MB [client|baseline]   time one decode kind, or both when omitted
///     EaselBench decode-memory SIZE_MB client|baseline   peak memory of one decode (own process)
///     EaselBench roundtrip                          client round trips vs raw HTTP, same simulator
///     EaselBench generation-…                       a running Easel: see GenerationBench.swift
///     EaselBench usage DATABASE_URL TENANT_ID USER_ID  usage figures and quota check: see UsageBench.swift
///
/// `deploy/bench.sh` runs them all in a release build and prints the table.
@main
struct EaselBench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "decode":
            let megabytes = Int(arguments[1]) ?? 1
            try decodeTime(megabytes: megabytes)
        case "decode-memory":
            let megabytes = Int(arguments[1]) ?? 1
            try decodeMemory(megabytes: megabytes, kind: arguments[2])
        case "roundtrip":
            try await roundTrip()
        case "generation-setup" where arguments.count == 5:
            try await generationSetup(easel: arguments[1], tenantID: arguments[2], adminEmail: arguments[3], adminPassword: arguments[4])
        case "generation-latency" where arguments.count == 5:
            try await generationLatency(easel: arguments[1], simulator: arguments[2], key: arguments[3], modelID: arguments[4])
        case "usage" where arguments.count == 4:
            guard let tenantID = UUID(uuidString: arguments[2]), let userID = UUID(uuidString: arguments[3]) else {
                print("usage: EaselBench usage DATABASE_URL TENANT_ID USER_ID")
                exit(2)
            }
            try await usage(databaseURL: arguments[1], tenantID: tenantID, userID: userID)
        case "generation-submit" where arguments.count == 6:
            try await generationSubmit(
                easel: arguments[1],
                key: arguments[2],
                modelID: arguments[3],
                count: Int(arguments[4]) ?? 2000,
                directive: arguments[5]
            )
        default:
            print(
                "usage: EaselBench decode MB | decode-memory MB client|baseline | roundtrip | generation-setup … | generation-latency … | generation-submit … | usage DATABASE_URL TENANT_ID USER_ID"
            )
            exit(2)
        }
    }

    /// A `generateContent` body of about `megabytes` MB: one text part and one image whose
    /// (incompressible) bytes are three quarters of that, base64-encoded as Google sends them.
    static func responseBody(megabytes: Int) -> Data {
        var image = Data([
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 8, 2, 0, 0, 0,
        ])
        var generator = SystemRandomNumberGenerator()
        let imageBytes = megabytes * 1024 * 1024 * 3 / 4
        image.append(contentsOf: (0..<(imageBytes / 8)).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } })
        let json = """
            {"candidates":[{"content":{"role":"model","parts":[{"text":"Here it is.","thoughtSignature":"c2ln"},\
            {"inlineData":{"mimeType":"image/png","data":"\(image.base64EncodedString())"},"thoughtSignature":"c2ln"}]},\
            "finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":2520,"totalTokenCount":2530},\
            "modelVersion":"gemini-3.1-flash-image-preview","responseId":"bench"}
            """
        return Data(json.utf8)
    }

    /// Easel's decode: typed wire structs, base64 decoded once, image header read.
    static func decodeWithClient(_ body: ByteBuffer) throws -> Int {
        let response = try JSONDecoder().decode(GenerateContentResponse.self, from: body)
        return response.finalImages.first?.data.count ?? 0
    }

    /// The baseline: a generic JSON parse, then the base64 of the image decoded.
    static func decodeBaseline(_ body: Data) throws -> Int {
        let object = try JSONSerialization.jsonObject(with: body) as! [String: Any]
        let candidate = (object["candidates"] as! [[String: Any]])[0]
        let parts = (candidate["content"] as! [String: Any])["parts"] as! [[String: Any]]
        let inline = parts[1]["inlineData"] as! [String: Any]
        return Data(base64Encoded: inline["data"] as! String)!.count
    }

    static func decodeTime(megabytes: Int) throws {
        let body = responseBody(megabytes: megabytes)
        let buffer = ByteBuffer(data: body)
        let iterations = megabytes >= 10 ? 7 : 25
        let client = try median(iterations) { _ = try decodeWithClient(buffer) }
        let baseline = try median(iterations) { _ = try decodeBaseline(body) }
        report([
            "case": "decode \(megabytes) MB", "body_bytes": "\(body.count)",
            "client_ms": format(client), "baseline_ms": format(baseline), "ratio": String(format: "%.2f", client / baseline),
        ])
    }

    static func decodeMemory(megabytes: Int, kind: String) throws {
        let body = responseBody(megabytes: megabytes)
        let buffer = ByteBuffer(data: body)
        let before = peakResidentBytes()
        let decoded = kind == "client" ? try decodeWithClient(buffer) : try decodeBaseline(body)
        let after = peakResidentBytes()
        report([
            "case": "decode-memory \(megabytes) MB \(kind)", "body_bytes": "\(body.count)", "image_bytes": "\(decoded)",
            "extra_peak_bytes": "\(after - before)",
        ])
    }

    static func roundTrip() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildSimulator(configuration: .init(apiKey: "bench"), logger: logger) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next()!
            let endpoint = GeminiEndpoint(baseURL: "http://127.0.0.1:\(port)", apiKey: "bench")
            let httpClient = GeminiClient.makeHTTPClient()
            let client = GeminiClient(httpClient: httpClient, logger: logger)
            let request = GenerateContentRequest(contents: [.user(.text("a benchmark bicycle"))])
            let body = ByteBuffer(data: try JSONEncoder().encode(request))
            let iterations = 40

            // Warm both paths (connection pool, simulator caches) before measuring.
            for _ in 0..<3 {
                _ = try await client.generateContent(model: "gemini-3.1-flash-image", request: request, endpoint: endpoint)
            }
            let viaClient = try await medianAsync(iterations) {
                _ = try await client.generateContent(model: "gemini-3.1-flash-image", request: request, endpoint: endpoint)
            }
            let raw = try await medianAsync(iterations) {
                var http = HTTPClientRequest(url: "\(endpoint.baseURL)/v1beta/models/gemini-3.1-flash-image:generateContent")
                http.method = .POST
                http.headers.add(name: "x-goog-api-key", value: "bench")
                http.headers.add(name: "Content-Type", value: "application/json")
                http.body = .bytes(body)
                let response = try await httpClient.execute(http, timeout: .seconds(30))
                _ = try await response.body.collect(upTo: 64 * 1024 * 1024)
            }
            report([
                "case": "round trip 1024x1024 (simulator)", "client_ms": format(viaClient), "raw_http_ms": format(raw),
                "ratio": String(format: "%.2f", viaClient / raw),
            ])
            try await httpClient.shutdown()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func median(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
        var samples: [Double] = []
        for _ in 0..<iterations {
            let started = ContinuousClock.now
            try body()
            samples.append((ContinuousClock.now - started).milliseconds)
        }
        return samples.sorted()[samples.count / 2]
    }

    static func medianAsync(_ iterations: Int, _ body: () async throws -> Void) async rethrows -> Double {
        var samples: [Double] = []
        for _ in 0..<iterations {
            let started = ContinuousClock.now
            try await body()
            samples.append((ContinuousClock.now - started).milliseconds)
        }
        return samples.sorted()[samples.count / 2]
    }

    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024  // kilobytes on Linux
    }

    static func format(_ milliseconds: Double) -> String { String(format: "%.2f", milliseconds) }

    static func report(_ fields: [String: String]) {
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
