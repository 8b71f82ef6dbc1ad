/// A database refusal that callers handle, as opposed to an outage.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique constraint refused the row; the message names what already exists.
    case conflict(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .conflict(let message), .notFound(let message): return message
        }
    }
}
