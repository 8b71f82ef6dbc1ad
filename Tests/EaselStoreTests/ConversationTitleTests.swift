import EaselStore
import Testing

/// Titles made from prompts fit the column (200 characters as PostgreSQL counts them, code points).
@Suite struct ConversationTitleTests {
    @Test func aShortFirstLineIsTheTitle() {
        #expect(ConversationStore.title(from: "a lighthouse at dusk\nwith gulls") == "a lighthouse at dusk")
        #expect(ConversationStore.title(from: "  \n") == "Untitled")
    }

    @Test func aLongLineIsCutAtAWord() {
        let title = ConversationStore.title(from: String(repeating: "lighthouse ", count: 20))
        #expect(title.hasSuffix("…"))
        #expect(title.unicodeScalars.count <= 81)
        #expect(!title.dropLast().hasSuffix(" "))
    }

    /// One visible character of hundreds of combining marks used to be taken whole, and the
    /// database's length check refused the request with a message about a constraint.
    @Test func combiningMarksAreCountedAsTheDatabaseCountsThem() {
        let zalgo = "a" + String(repeating: "\u{0301}", count: 500) + " b"
        let title = ConversationStore.title(from: zalgo)
        #expect(title.unicodeScalars.count <= ConversationStore.maxTitleLength, "\(title.unicodeScalars.count) code points")
        let marks = String(repeating: "e\u{0301}\u{0302}", count: 60)
        #expect(ConversationStore.title(from: marks).unicodeScalars.count <= 81)
    }
}
