import Foundation

/// History filters; nil fields do not filter.
public struct GenerationFilter: Sendable, Equatable {
    public var modelID: UUID?
    public var status: GenerationStatus?
    public var userID: UUID?
    public var from: Date?
    public var to: Date?
    /// Words the prompt contains (case-insensitive).
    public var text: String?
    /// The variations of one request.
    public var batchID: UUID?

    public init(
        modelID: UUID? = nil,
        status: GenerationStatus? = nil,
        userID: UUID? = nil,
        from: Date? = nil,
        to: Date? = nil,
        text: String? = nil,
        batchID: UUID? = nil
    ) {
        self.modelID = modelID
        self.status = status
        self.userID = userID
        self.from = from
        self.to = to
        self.text = text
        self.batchID = batchID
    }
}
