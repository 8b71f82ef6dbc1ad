/// A normalised e-mail address: trimmed, lower-cased, with one `@` and a dotted or local domain.
///
/// This is a sanity check, not RFC 5322: it refuses what is certainly wrong and keeps the rest.
public struct EmailAddress: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) throws(ValidationError) {
        let trimmed = raw.trimmingWhitespace().lowercased()
        guard !trimmed.isEmpty else {
            throw ValidationError(field: "email", message: "is required")
        }
        guard trimmed.count <= 254 else {
            throw ValidationError(field: "email", message: "must be at most 254 characters")
        }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !trimmed.contains(where: { $0.isWhitespace || $0.isNewline }),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix(".")
        else {
            throw ValidationError(field: "email", message: "'\(raw)' is not an e-mail address")
        }
        self.value = trimmed
    }

    public var description: String { value }
}

extension String {
    /// The string without leading and trailing white space and newlines.
    public func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
