import EaselCore
import Foundation

/// A generation as stored, with its output images.
public struct GenerationRecord: Sendable {
    public struct Image: Sendable, Equatable {
        public var id: UUID
        public var mimeType: String
        public var width: Int?
        public var height: Int?
    }

    public var id: UUID
    public var tenantID: UUID
    public var userID: UUID
    public var modelID: UUID
    public var source: String
    public var status: GenerationStatus
    public var options: GenerationOptions
    public var responseText: String?
    public var finishReason: String?
    public var blockReason: String?
    public var errorCode: String?
    public var errorMessage: String?
    public var promptTokens: Int?
    public var outputTokens: Int?
    public var thoughtTokens: Int?
    public var totalTokens: Int?
    public var imageCount: Int
    public var attempts: Int
    public var upstreamHost: String?
    public var latencyMs: Int?
    public var modelVersion: String?
    public var honoredImageConfig: Bool?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var outputs: [Image]
    public var conversationID: UUID?
    public var parentID: UUID?
    public var modelName: String
    public var userEmail: String
    /// groundingMetadata as Google sent it, as JSON.
    public var groundingJSON: String?
    /// Text streamed so far while running.
    public var partialText: String?
    public var imageTokens: Int?
    /// Prompt tokens that were images.
    public var promptImageTokens: Int?
    /// Estimated cost in micro-dollars at the prices of its day; nil when unpriced.
    public var costMicros: Int?
    /// The batch of variations it belongs to, and its place there (from 0); nil for a single one.
    public var batchID: UUID?
    public var batchIndex: Int?
}
