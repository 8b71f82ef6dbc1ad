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
    /// Lines end at `\n`, `\r` or `\r\n`. Works on the UTF-8 bytes: an image event is megabytes
    /// of base64 on one line, and walking it by `Character` cost tens of milliseconds per MB.
    static func data(of event: String) -> String? {
        var event = event
        return event.withUTF8 { bytes -> String? in
            var joined: [UInt8] = []
            var found = false
            func take(_ start: Int, _ end: Int) {
                guard end - start >= 5, bytes[start] == 0x64, bytes[start + 1] == 0x61, bytes[start + 2] == 0x74,
                    bytes[start + 3] == 0x61, bytes[start + 4] == 0x3A  // "data:"
                else { return }
                var valueStart = start + 5
                if valueStart < end, bytes[valueStart] == 0x20 { valueStart += 1 }
                if found { joined.append(0x0A) }
                joined.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[valueStart..<end]))
                found = true
            }
            var lineStart = 0
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                if byte == 0x0A || byte == 0x0D {
                    take(lineStart, i)
                    if byte == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                    lineStart = i + 1
                }
                i += 1
            }
            take(lineStart, bytes.count)
            return found ? String(decoding: joined, as: UTF8.self) : nil
        }
    }
}
