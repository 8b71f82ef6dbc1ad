import Foundation

/// Where a generation is in its life. The last four are terminal.
public enum GenerationStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, blocked, failed, canceled

    public var isTerminal: Bool { self != .queued && self != .running }
}
