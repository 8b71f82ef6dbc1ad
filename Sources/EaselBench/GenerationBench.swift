import AsyncHTTPClient
import Foundation
import Gemini
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Benchmarks of a running Easel (started by `deploy/bench.sh` with its own database and the
/// simulator as its Gemini endpoint).
///
///     EaselBench generation-setup EASEL_URL TENANT_ID ADMIN_EMAIL ADMIN_PASSWORD
///         creates a user and an API key; prints "KEY MODEL_ID" for the Nano Banana 2 config
///     EaselBench generation-latency EASEL_URL SIMULATOR_URL KEY MODEL_ID
///         Easel's added latency per generation over calling the simulator directly, p50/p99
///     EaselBench generation-submit EASEL_URL KEY MODEL_ID COUNT DIRECTIVE
///         queues COUNT generations as fast as Easel accepts them, each prompt carrying the
///         simulator DIRECTIVE (`latency=2000`: a slow upstream; `hold=T`: answers when released)
extension EaselBench {
    static let http = HTTPClient.shared

    static func call(
        _ method: HTTPMethod,
        _ url: String,
        json: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> (status: Int, body: ByteBuffer, headers: HTTPHeaders) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await http.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (Int(response.status.code), body, response.headers)
    }

    static func json(_ buffer: ByteBuffer) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer))
    }

    static func generationSetup(easel: String, tenantID: String, adminEmail: String, adminPassword: String) async throws {
        func logIn(_ email: String, _ password: String) async throws -> [(String, String)] {
            let response = try await call(
                .POST,
                "\(easel)/api/v1/auth/login",
                json: #"{"email":"\#(email)","password":"\#(password)"}"#
            )
            guard response.status == 200, let cookie = response.headers.first(name: "set-cookie")?.split(separator: ";").first,
                let csrf = try json(response.body)["csrfToken"]?.stringValue
            else { throw BenchError("log-in of \(email) failed: \(response.status) \(String(buffer: response.body))") }
            return [("Cookie", String(cookie)), ("X-CSRF-Token", csrf)]
        }
        let admin = try await logIn(adminEmail, adminPassword)
        let password = "bench password 123"
        let user = try await call(
            .POST,
            "\(easel)/api/v1/users",
            json: #"{"email":"bench@bench.test","role":"owner","password":"\#(password)","tenantId":"\#(tenantID)"}"#,
            headers: admin
        )
        guard user.status == 201 else { throw BenchError("creating the user failed: \(String(buffer: user.body))") }
        let owner = try await logIn("bench@bench.test", password)
        let key = try await call(.POST, "\(easel)/api/v1/keys", json: #"{"name":"bench"}"#, headers: owner)
        guard let secret = try json(key.body)["secret"]?.stringValue else { throw BenchError("creating the key failed: \(String(buffer: key.body))") }
        let models = try json(try await call(.GET, "\(easel)/api/v1/models", headers: [("Authorization", "Bearer \(secret)")]).body)
        guard let model = models["items"]?.arrayValue.first(where: { $0["apiModel"]?.stringValue == "gemini-3.1-flash-image" }),
            let modelID = model["id"]?.stringValue
        else { throw BenchError("no gemini-3.1-flash-image model is seeded") }
        print("\(secret) \(modelID)")
    }

    /// Side by side, per iteration: the simulator called directly (the streamed call Easel makes,
    /// body read to the end) and a generation through Easel (`POST ?wait=30`, stored, answered).
    static func generationLatency(easel: String, simulator: String, key: String, modelID: String) async throws {
        let cases: [(name: String, size: String, directive: String)] = [
            ("small image (512, 16:9)", "512", ""),
            ("large image (1K, 16:9, noisy)", "1K", "[sim:noise=2] "),
        ]
        for benchCase in cases {
            var direct: [Double] = []
            var viaEasel: [Double] = []
            var imageBytes = 0
            let iterations = 120
            for index in 0..<(iterations + 5) {
                // A new prompt each time: a new image, as in real use (nothing is deduplicated).
                let prompt = "\(benchCase.directive)benchmark \(benchCase.size) #\(index) \(UUID().uuidString.prefix(8))"
                let upstreamBody = """
                    {"contents":[{"role":"user","parts":[{"text":"\(prompt) direct"}]}],\
                    "systemInstruction":{"parts":[{"text":"You are an image model."}]},\
                    "generationConfig":{"responseModalities":["TEXT","IMAGE"],"imageConfig":{"aspectRatio":"16:9","imageSize":"\(benchCase.size)"}}}
                    """
                var started = ContinuousClock.now
                let upstream = try await call(
                    .POST,
                    "\(simulator)/v1beta/models/gemini-3.1-flash-image-preview:streamGenerateContent?alt=sse",
                    json: upstreamBody,
                    headers: [("x-goog-api-key", "bench")]
                )
                let directTime = (ContinuousClock.now - started).milliseconds
                guard upstream.status == 200 else { throw BenchError("simulator answered \(upstream.status)") }

                started = ContinuousClock.now
                let generated = try await call(
                    .POST,
                    "\(easel)/api/v1/generations?wait=30",
                    json: #"{"modelId":"\#(modelID)","prompt":"\#(prompt)","aspectRatio":"16:9","imageSize":"\#(benchCase.size)"}"#,
                    headers: [("Authorization", "Bearer \(key)")]
                )
                let easelTime = (ContinuousClock.now - started).milliseconds
                let answer = try json(generated.body)
                guard generated.status == 200, answer["status"]?.stringValue == "succeeded" else {
                    throw BenchError("generation did not succeed: \(String(buffer: generated.body))")
                }
                if index < 5 { continue }  // warm-up: connection pools, caches
                direct.append(directTime)
                viaEasel.append(easelTime)
                if imageBytes == 0, let url = answer["images"]?[0]?["url"]?.stringValue {
                    imageBytes = try await call(.GET, "\(easel)\(url)", headers: [("Authorization", "Bearer \(key)")]).body.readableBytes
                }
            }
            let added = zip(viaEasel, direct).map { $0 - $1 }
            report([
                "case": "generation \(benchCase.name)", "image_bytes": "\(imageBytes)", "iterations": "\(iterations)",
                "direct_p50_ms": format(percentile(direct, 50)), "direct_p99_ms": format(percentile(direct, 99)),
                "easel_p50_ms": format(percentile(viaEasel, 50)), "easel_p99_ms": format(percentile(viaEasel, 99)),
                "added_p50_ms": format(percentile(added, 50)), "added_p99_ms": format(percentile(added, 99)),
            ])
        }
    }

    /// Queues `count` generations, 100 requests at a time; prints how long accepting them took.
    static func generationSubmit(easel: String, key: String, modelID: String, count: Int, directive: String) async throws {
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= 100 { try await group.next() }
                group.addTask {
                    let response = try await call(
                        .POST,
                        "\(easel)/api/v1/generations",
                        json: #"{"modelId":"\#(modelID)","prompt":"[sim:\#(directive)] in flight #\#(index)","imageSize":"512"}"#,
                        headers: [("Authorization", "Bearer \(key)")]
                    )
                    guard response.status == 202 || response.status == 200 else {
                        throw BenchError("generation \(index) refused: \(response.status) \(String(buffer: response.body))")
                    }
                }
            }
            try await group.waitForAll()
        }
        report(["case": "submit \(count) generations (\(directive))", "accept_all_ms": format((ContinuousClock.now - started).milliseconds)])
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
        return sorted[min(sorted.count - 1, max(0, rank))]
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
