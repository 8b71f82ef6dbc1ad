/// Random secrets for generated passwords and tokens.
public enum GeneratedSecret {
    private static let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// A password of `length` characters from an alphabet without look-alikes (no 0/O, 1/l/I).
    public static func password(length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
