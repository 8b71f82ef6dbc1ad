import EaselCore
import EaselStore
import Foundation

/// The CSV exports: RFC 4180 rows, text a spreadsheet would run as a formula defused. Each
/// export is one list of columns, a header beside the value it heads, so the two cannot drift.
public enum CSV {
    /// One column: its header and how a row's value is written (already a CSV field).
    struct Column<Row>: Sendable {
        let header: String
        let value: @Sendable (Row) -> String

        /// Free text, quoted and defused.
        static func text(_ header: String, _ value: @escaping @Sendable (Row) -> String?) -> Column {
            Column(header: header) { CSV.field(value($0) ?? "") }
        }

        /// A number or an id: written as is, empty for none.
        static func plain(_ header: String, _ value: @escaping @Sendable (Row) -> (any CustomStringConvertible)?) -> Column {
            Column(header: header) { value($0).map { "\($0)" } ?? "" }
        }

        /// Micro-dollars as dollars with six decimals.
        static func dollars(_ header: String, _ micros: @escaping @Sendable (Row) -> Int?) -> Column {
            Column(header: header) { micros($0).map { String(format: "%.6f", Double($0) / 1_000_000) } ?? "" }
        }
    }

    static func headerLine<Row>(_ columns: [Column<Row>]) -> String {
        columns.map(\.header).joined(separator: ",") + "\r\n"
    }

    static func line<Row>(_ row: Row, _ columns: [Column<Row>]) -> String {
        columns.map { $0.value(row) }.joined(separator: ",") + "\r\n"
    }

    /// Usage figures as CSV with a header row (also what `easel usage` prints).
    public static func usage(_ groups: [UsageStore.Figures]) -> String {
        groups.reduce(headerLine(usageColumns)) { $0 + line($1, usageColumns) }
    }

    static let usageColumns: [Column<UsageStore.Figures>] = [
        .text("key") { $0.key }, .text("label") { $0.label }, .plain("requests") { $0.requests }, .plain("succeeded") { $0.succeeded },
        .plain("blocked") { $0.blocked }, .plain("failed") { $0.failed }, .plain("canceled") { $0.canceled }, .plain("images") { $0.images },
        .plain("prompt_tokens") { $0.promptTokens }, .plain("prompt_image_tokens") { $0.promptImageTokens },
        .plain("output_tokens") { $0.outputTokens }, .plain("image_tokens") { $0.imageTokens }, .plain("thought_tokens") { $0.thoughtTokens },
        .dollars("cost_usd") { $0.costMicros }, .plain("unpriced") { $0.unpriced },
        .plain("latency_p50_ms") { $0.latencyP50Ms.map { String(format: "%.0f", $0) } },
        .plain("latency_p95_ms") { $0.latencyP95Ms.map { String(format: "%.0f", $0) } },
    ]

    /// One generation of the history export.
    static let historyColumns: [Column<GenerationRecord>] = [
        .plain("id") { $0.id.uuidString.lowercased() }, .plain("created_at") { $0.createdAt.formatted(.iso8601) },
        .text("user") { $0.userEmail }, .text("model") { $0.modelName }, .plain("status") { $0.status.rawValue },
        .text("prompt") { $0.options.prompt }, .plain("aspect_ratio") { $0.options.aspectRatio }, .plain("image_size") { $0.options.imageSize },
        .plain("images") { $0.imageCount }, .plain("prompt_tokens") { $0.promptTokens }, .plain("prompt_image_tokens") { $0.promptImageTokens },
        .plain("output_tokens") { $0.outputTokens }, .plain("image_tokens") { $0.imageTokens }, .plain("thought_tokens") { $0.thoughtTokens },
        .dollars("cost_usd") { $0.costMicros }, .plain("latency_ms") { $0.latencyMs }, .plain("attempts") { $0.attempts },
        .text("error_code") { $0.errorCode }, .text("block_reason") { $0.blockReason }, .text("upstream_host") { $0.upstreamHost },
        .plain("conversation_id") { $0.conversationID?.uuidString.lowercased() },
    ]

    /// Quotes a field when needed, and defuses text a spreadsheet would run as a formula.
    static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
