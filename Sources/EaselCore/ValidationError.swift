/// Input that breaks a rule, naming the field and what is wrong with it.
///
/// The server turns it into a 400 (or 422) answer whose message is `"<field> <message>"`.
public struct ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field) \(message)" }
}
