import Foundation
import NIOCore
import Testing

@testable import Gemini

@Suite struct ServerSentEventParserTests {
    @Test func splitsCRLFFramedEventsFedOneByteAtATime() throws {
        let stream = "data: {\"a\":1}\r\n\r\ndata: {\"b\":2}\r\n\r\n"
        var parser = ServerSentEventParser()
        var events: [String] = []
        for byte in stream.utf8 {
            events += try parser.append(ByteBuffer(bytes: [byte]))
        }
        #expect(events == [#"{"a":1}"#, #"{"b":2}"#])
        #expect(parser.finish() == nil)
    }

    @Test func handlesLFFramingMultiLineDataAndComments() throws {
        var parser = ServerSentEventParser()
        let events = try parser.append(ByteBuffer(string: ": keep-alive\n\nevent: message\ndata: line one\ndata:line two\n\ndata: last"))
        #expect(events == ["line one\nline two"])
        #expect(parser.finish() == "last")
    }

    @Test func handlesCRLineEndingsInsideAnEventAndNonASCIIData() throws {
        var parser = ServerSentEventParser()
        let events = try parser.append(ByteBuffer(string: "id: 1\rdata: über\r\ndata: 🍌 two\rretry: 5\r\r"))
        #expect(events == ["über\n🍌 two"])
    }

    @Test func refusesAnEventLargerThanTheLimit() throws {
        var parser = ServerSentEventParser(maxEventBytes: 10)
        #expect(throws: ServerSentEventParser.EventTooLarge.self) {
            _ = try parser.append(ByteBuffer(string: "data: 0123456789abcdef"))
        }
    }
}
