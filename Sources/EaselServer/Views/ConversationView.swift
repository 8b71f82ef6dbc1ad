import EaselStore
import Foundation
import Hummingbird

/// A conversation as the API shows it; with its turns when one conversation is read.
struct ConversationView: ResponseEncodable {
    var id: UUID
    var title: String
    var turnCount: Int
    @NullEncoded var previewUrl: String?
    var createdAt: Date
    var updatedAt: Date
    /// Left out of lists.
    var turns: [GenerationView]?

    init(record: ConversationRecord, turns: [GenerationView]? = nil) {
        id = record.id
        title = record.title
        turnCount = record.turnCount
        previewUrl = record.latestImageID.map { "/api/v1/images/\($0.uuidString.lowercased())/preview" }
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        self.turns = turns
    }
}
