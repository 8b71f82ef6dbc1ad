import EaselCore
import EaselStore
import Foundation
import Gemini
import Hummingbird
import NIOCore

/// The CSV exports: RFC 4180 rows, text a spreadsheet would run as a formula defused.
public enum CSV {
    /// Usage figures as CSV with a header row (also what `easel usage` prints).
    public static func usage(_ groups: [UsageStore.Figures]) -> String {
        var text = usageColumns.joined(separator: ",") + "\r\n"
        for f in groups {
            let fields: [String] = [
                field(f.key), field(f.label), "\(f.requests)", "\(f.succeeded)", "\(f.blocked)", "\(f.failed)", "\(f.canceled)",
                "\(f.images)", "\(f.promptTokens)", "\(f.promptImageTokens)", "\(f.outputTokens)", "\(f.imageTokens)", "\(f.thoughtTokens)",
                String(format: "%.6f", Double(f.costMicros) / 1_000_000), "\(f.unpriced)",
                f.latencyP50Ms.map { String(format: "%.0f", $0) } ?? "", f.latencyP95Ms.map { String(format: "%.0f", $0) } ?? "",
            ]
            text += fields.joined(separator: ",") + "\r\n"
        }
        return text
    }

    static let usageColumns = [
        "key", "label", "requests", "succeeded", "blocked", "failed", "canceled", "images", "prompt_tokens", "prompt_image_tokens",
        "output_tokens", "image_tokens", "thought_tokens", "cost_usd", "unpriced", "latency_p50_ms", "latency_p95_ms",
    ]

    /// Quotes a field when needed, and defuses text a spreadsheet would run as a formula.
    static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
