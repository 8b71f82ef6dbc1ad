/// The minimum rules a password must meet.
///
/// bcrypt reads only the first 72 bytes of a password, so longer ones are refused rather than
/// silently truncated.
public struct PasswordPolicy: Sendable {
    public var minimumLength: Int
    public static let maximumBytes = 72

    public init(minimumLength: Int = 10) {
        self.minimumLength = minimumLength
    }

    public func validate(_ password: String) throws(ValidationError) {
        if password.count < minimumLength {
            throw ValidationError(field: "password", message: "must be at least \(minimumLength) characters")
        }
        if password.utf8.count > Self.maximumBytes {
            throw ValidationError(field: "password", message: "must be at most \(Self.maximumBytes) bytes")
        }
        if password.allSatisfy({ $0 == password.first }) {
            throw ValidationError(field: "password", message: "must not be one repeated character")
        }
    }
}
