/// Behaviour a test asks of the simulator by writing `[sim:...]` into its prompt.
///
/// Directives travel inside the request itself, so a test driving Easel (or Google's SDK) end to
/// end can make one call misbehave without any side channel, and parallel tests never see each
/// other's faults.
///
/// | directive | effect |
/// | --- | --- |
/// | `[sim:latency=MS]` | wait MS milliseconds before answering |
/// | `[sim:status=CODE]` | answer with Google's error body for CODE (e.g. 429, 503) |
/// | `[sim:retry-after=S]` | add `Retry-After: S` to an error answer |
/// | `[sim:fail-first=N]` | the first N requests with this exact prompt fail with 503 (or `status`) |
/// | `[sim:hang=MS]` | answer nothing for MS milliseconds (default 60000), then close the connection unanswered |
/// | `[sim:truncate]` | send half the body, then close the connection |
/// | `[sim:reset]` | close the connection without answering |
/// | `[sim:stream-error]` | streaming: the first chunk, then Google's error object (500 `INTERNAL`) as the last event |
/// | `[sim:block-prompt]` | `promptFeedback.blockReason = SAFETY`, no candidates |
/// | `[sim:image-safety]` | finish with `IMAGE_SAFETY` and no image |
/// | `[sim:prohibited]` | finish with `PROHIBITED_CONTENT` and no image |
/// | `[sim:no-image]` | text only, finish reason `NO_IMAGE` |
/// | `[sim:text-only]` | text only, finish reason `STOP` |
/// | `[sim:images=N]` | N images, interleaved with text |
/// | `[sim:ignore-image-config]` | answer at the model's default size, as relays that drop `imageConfig` do |
/// | `[sim:noise]`, `[sim:noise=BITS]` | noisy (large, realistic-size) images: BITS (1–8, default 6) random low bits per channel |
/// | `[sim:hold=TOKEN]` | streaming: hold the last chunk until `POST /_sim/release/TOKEN` |
/// | `[sim:signature-on=WHERE]` | Gemini 3: which chunk of the streamed answer text carries its thought signature: `first`, `last`, or `empty` (default: a trailing chunk with empty text, as Google sends it) |
public struct Directives: Sendable, Equatable {
    /// Where the thought signature of the streamed answer text rides.
    public enum SignaturePlacement: String, Sendable, Equatable {
        /// On the first text chunk.
        case first
        /// On the last chunk that has text.
        case last
        /// On a chunk of its own after the text, `{"text":"","thoughtSignature":...}`.
        case empty
    }

    public var latencyMilliseconds: Int?
    public var status: Int?
    public var retryAfterSeconds: Int?
    public var failFirst: Int?
    public var hangMilliseconds: Int?
    public var truncate = false
    public var reset = false
    public var streamError = false
    public var blockPrompt = false
    public var imageSafety = false
    public var prohibited = false
    public var noImage = false
    public var textOnly = false
    public var imageCount = 1
    /// Random low bits per colour channel (0: a plain, highly compressible pattern).
    public var noiseBits = 0
    /// Behave like a relay that drops `imageConfig`.
    public var ignoreImageConfig = false
    public var holdToken: String?
    public var signaturePlacement = SignaturePlacement.empty

    public init() {}

    public init(parsing text: String) {
        var remaining = Substring(text)
        while let open = remaining.range(of: "[sim:") {
            guard let close = remaining[open.upperBound...].firstIndex(of: "]") else { break }
            let body = remaining[open.upperBound..<close]
            remaining = remaining[remaining.index(after: close)...]
            let parts = body.split(separator: "=", maxSplits: 1)
            let name = parts.first.map(String.init) ?? ""
            let value = parts.count > 1 ? String(parts[1]) : nil
            let number = value.flatMap { Int($0) }
            switch name {
            case "latency": latencyMilliseconds = number
            case "status": status = number.map { min(max($0, 400), 599) }
            case "retry-after": retryAfterSeconds = number
            case "fail-first": failFirst = number
            case "hang": hangMilliseconds = number ?? 60_000
            case "truncate": truncate = true
            case "reset": reset = true
            case "stream-error": streamError = true
            case "block-prompt": blockPrompt = true
            case "image-safety": imageSafety = true
            case "prohibited": prohibited = true
            case "no-image": noImage = true
            case "text-only": textOnly = true
            case "images": imageCount = max(0, min(number ?? 1, 8))
            case "noise": noiseBits = min(8, max(1, number ?? 6))
            case "hold": holdToken = value
            case "ignore-image-config": ignoreImageConfig = true
            case "signature-on": signaturePlacement = value.flatMap(SignaturePlacement.init(rawValue:)) ?? .empty
            default: continue
            }
        }
    }
}
