import NIOCore

/// Splits a `text/event-stream` body into the `data` of each event, incrementally.
///
/// Events end with a blank line (`\n\n`, `\r\n\r\n` or `\r\r`; Google uses CRLF). Only the new
/// bytes of each buffer are scanned, so a 20 MB event arriving in small pieces costs one pass.
public struct ServerSentEventParser: Sendable {
    private var buffer = ByteBuffer()
    /// How far `buffer` has been searched for an event end without finding one.
    private var scanned = 0
    public let maxEventBytes: Int

    public init(maxEventBytes: Int = 256 * 1024 * 1024) {
        self.maxEventBytes = maxEventBytes
    }

    public struct EventTooLarge: Error {}

    /// Appends `bytes` and returns the data of every event they complete.
    public mutating func append(_ bytes: ByteBuffer) throws -> [String] {
        var bytes = bytes
        buffer.writeBuffer(&bytes)
        var events: [String] = []
        while let (eventEnd, separatorLength) = findEventEnd() {
            let event = buffer.readString(length: eventEnd) ?? ""
            buffer.moveReaderIndex(forwardBy: separatorLength)
            buffer.discardReadBytes()
            scanned = 0
            if let data = Self.data(of: event) { events.append(data) }
        }
        if buffer.readableBytes > maxEventBytes { throw EventTooLarge() }
        return events
    }

    /// The data of a final event not followed by a blank line, if the body ended so.
    public mutating func finish() -> String? {
        guard buffer.readableBytes > 0 else { return nil }
        let event = buffer.readString(length: buffer.readableBytes) ?? ""
        return Self.data(of: event)
    }

    private mutating func findEventEnd() -> (Int, Int)? {
        let result: (Int, Int)? = buffer.withUnsafeReadableBytes { bytes in
            var i = max(0, scanned - 3)
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x0A, i + 1 < bytes.count, bytes[i + 1] == 0x0A { return (i, 2) }
                if c == 0x0D, i + 3 < bytes.count, bytes[i + 1] == 0x0A, bytes[i + 2] == 0x0D, bytes[i + 3] == 0x0A {
                    return (i, 4)
                }
                if c == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0D { return (i, 2) }
                i += 1
            }
            return nil
        }
        if result == nil { scanned = buffer.readableBytes }
        return result
    }

    /// Joins an event's `data:` lines; nil for events without data (comments, keep-alives).
    static func data(of event: String) -> String? {
        var lines: [Substring] = []
        for line in event.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            guard line.hasPrefix("data:") else { continue }
            var value = line.dropFirst(5)
            if value.first == " " { value = value.dropFirst() }
            lines.append(value)
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }
}
