import ArgumentParser
import EaselStore
import Foundation

struct RotateSecret: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-secret",
        abstract: "Re-encrypt every stored upstream token under a new secret key.",
        discussion: """
            Reads the new key (32 random bytes, base64) from standard input; EASEL_SECRET_KEY holds the current one. \
            All tokens are re-encrypted in one transaction. Afterwards set EASEL_SECRET_KEY to the new key and restart \
            every instance; browser sessions then need their CSRF token again, which the console fetches by itself.
            """
    )

    func run() async throws {
        guard let line = readLine(strippingNewline: true), let newKey = Data(base64Encoded: line.trimmingCharacters(in: .whitespaces)),
            newKey.count == 32
        else {
            throw Easel.fail("standard input must hold the new key: 32 random bytes in base64 (openssl rand -base64 32)")
        }
        let count = try await Easel.withDatabase(doing: "rotate the secret (nothing was changed)") { client, configuration, logger in
            guard newKey != configuration.secretKey else { throw Easel.fail("the new key is the current one") }
            do {
                return try await ModelStore.reencryptTokens(
                    client: client,
                    from: SecretBox(secret: configuration.secretKey),
                    to: SecretBox(secret: newKey),
                    logger: logger
                )
            } catch let error as SecretBoxError {
                throw Easel.fail("\(error); nothing was changed")
            }
        }
        print("Re-encrypted \(count) token\(count == 1 ? "" : "s"). Now set EASEL_SECRET_KEY to the new key and restart Easel.")
    }
}
