import Foundation
import Gemini
import Synchronization

/// What the simulator remembers between requests: attempts per prompt (for `fail-first`),
/// the last requests it received (for tests to inspect the wire), held streams, and how often
/// each prompt was answered in full (for the fault suite's "paid twice" count).
public final class SimulatorState: Sendable {
    /// A request as it arrived, for tests: the model, the method, whether a key came, and the
    /// JSON body with long strings (image data) shortened.
    public struct RecordedRequest: Sendable, Codable {
        public var model: String
        public var method: String
        public var query: String?
        public var apiKeyHeader: String?
        public var body: JSONValue
    }

    private struct Storage {
        var attemptsByPrompt: [String: Int] = [:]
        var requests: [RecordedRequest] = []
        var released: Set<String> = []
        var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
        /// Complete answers (an error, a cut or unanswered call is not one) by prompt.
        var answers: [String: Int] = [:]
        var answerCount = 0
    }

    private let storage = Mutex(Storage())
    static let keptRequests = 100

    public init() {}

    /// The number of this request among those with the same prompt, 1 for the first.
    func nextAttempt(forPrompt prompt: String) -> Int {
        storage.withLock { storage in
            storage.attemptsByPrompt[prompt, default: 0] += 1
            return storage.attemptsByPrompt[prompt]!
        }
    }

    func record(_ request: RecordedRequest) {
        storage.withLock { storage in
            storage.requests.append(request)
            if storage.requests.count > Self.keptRequests { storage.requests.removeFirst() }
        }
    }

    public var requests: [RecordedRequest] { storage.withLock { $0.requests } }

    /// Records a complete answer to `prompt`: what Google would bill.
    func answered(_ prompt: String) {
        storage.withLock { storage in
            storage.answers[prompt, default: 0] += 1
            storage.answerCount += 1
        }
    }

    /// How many complete answers went out, and the prompts answered more than once.
    public struct Answers: Sendable, Codable {
        public var answered: Int
        public var repeated: [String: Int]
    }

    public var answers: Answers {
        storage.withLock { Answers(answered: $0.answerCount, repeated: $0.answers.filter { $0.value > 1 }) }
    }

    /// Waits until `token` is released (at once if it already was).
    func hold(_ token: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = storage.withLock { storage in
                if storage.released.contains(token) { return true }
                storage.waiting[token, default: []].append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    public func release(_ token: String) {
        let continuations = storage.withLock { storage in
            storage.released.insert(token)
            return storage.waiting.removeValue(forKey: token) ?? []
        }
        for continuation in continuations { continuation.resume() }
    }
}

extension JSONValue {
    /// The value with every string longer than `limit` replaced by a note of its length.
    func shortened(limit: Int = 256) -> JSONValue {
        switch self {
        case .string(let value) where value.utf8.count > limit: return .string("<\(value.utf8.count) characters>")
        case .array(let values): return .array(values.map { $0.shortened(limit: limit) })
        case .object(let object): return .object(object.mapValues { $0.shortened(limit: limit) })
        default: return self
        }
    }
}
