import EaselCore
import Foundation

/// The position after a row in a list ordered by (created_at, id): opaque to clients.
///
/// The time is kept as whole microseconds, exactly as PostgreSQL stores it: a `Date` (a Double)
/// cannot hold today's timestamps to the microsecond, and a cursor a microsecond early would
/// repeat its row on the next page.
public struct Cursor: Sendable, Equatable {
    public var micros: Int64
    public var id: String

    public init(micros: Int64, id: String) {
        self.micros = micros
        self.id = id
    }

    public var encoded: String {
        Data("\(micros)|\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads a cursor a client passed back; a malformed one is a ``ValidationError`` on `cursor`.
    public init(decoding raw: String) throws(ValidationError) {
        var base64 = raw.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError(field: "cursor", message: "is not a cursor this API returned")
        }
        let parts = text.split(separator: "|", maxSplits: 1)
        // Between 1970 and 2200: anything else was not made by this API (and would overflow SQL intervals).
        guard parts.count == 2, let micros = Int64(parts[0]), (0...7_258_118_400_000_000).contains(micros) else {
            throw ValidationError(field: "cursor", message: "is not a cursor this API returned")
        }
        self.micros = micros
        self.id = String(parts[1])
    }

    /// The select-list expression that yields the cursor microseconds of the timestamp `column` (a
    /// list's last column: see `Page`).
    static func microsColumn(_ column: String = "created_at") -> String { "(extract(epoch FROM \(column)) * 1000000)::bigint" }
}
