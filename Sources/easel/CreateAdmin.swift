import ArgumentParser
import EaselCore
import EaselServer
import EaselStore
import Foundation

struct CreateAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin",
        abstract: "Create a platform admin.",
        discussion: "Without --password-stdin a strong password is generated and printed once."
    )

    @Option(help: "The admin's e-mail address, used to log in.")
    var email: String

    @Option(help: "The name shown in the console.")
    var name: String = ""

    @Flag(help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    @Flag(help: "Do nothing (and succeed) when a platform admin already exists.")
    var ifNone = false

    func run() async throws {
        let address: EmailAddress
        do { address = try EmailAddress(email) } catch { throw Easel.fail("\(error)") }
        var password = GeneratedSecret.password()
        if passwordStdin {
            guard let line = readLine(strippingNewline: true) else {
                throw Easel.fail("--password-stdin was given but standard input is empty")
            }
            do { try PasswordPolicy().validate(line) } catch { throw Easel.fail("\(error)") }
            password = line
        }
        let (displayName, skipIfAny, chosen) = (name, ifNone, password)
        let created = try await Easel.withDatabase(doing: "create the admin") { client, configuration, logger in
            let users = UserStore(client: client, logger: logger)
            if skipIfAny, try await users.activePlatformAdminCount() > 0 { return false }
            let hash = try await PasswordHasher(cost: configuration.bcryptCost).hash(chosen)
            _ = try await users.createPlatformAdmin(
                email: address,
                displayName: displayName,
                passwordHash: hash,
                audit: AuditEntry(actor: "cli", action: "user.create", detailsJSON: #"{"role":"platform_admin"}"#)
            )
            return true
        }
        guard created else {
            print("A platform admin already exists; nothing created.")
            return
        }
        print("Created platform admin \(address)")
        if !passwordStdin { print("Password: \(password)") }
    }
}
