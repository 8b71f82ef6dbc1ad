import EaselCore
import Foundation
import Logging
import PostgresNIO

/// A conversation: the turns of one multi-turn edit, owned by the user who started it.
public struct ConversationRecord: Sendable, Equatable {
    public var id: UUID
    public var title: String
    public var turnCount: Int
    /// The newest output image, for a thumbnail.
    public var latestImageID: UUID?
    public var createdAt: Date
    public var updatedAt: Date
}
