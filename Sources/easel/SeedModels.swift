import ArgumentParser
import EaselServer
import EaselStore

struct SeedModels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-models",
        abstract: "Add Google's image models as platform-wide configs, unless platform models exist already."
    )

    func run() async throws {
        let created = try await Easel.withDatabase(doing: "seed models") { client, configuration, logger in
            let models = ModelStore(client: client, logger: logger, box: SecretBox(secret: configuration.secretKey))
            guard try await models.listManaged(tenantID: nil).allSatisfy({ $0.tenantID != nil }) else { return [String]() }
            var names: [String] = []
            for seed in ModelSeeds.all {
                let record = try await models.create(tenantID: nil, seed, token: nil, audit: AuditEntry(actor: "cli", action: "model.create"))
                names.append(record.name)
            }
            return names
        }
        print(created.isEmpty ? "Platform models exist already; nothing added." : "Added \(created.joined(separator: ", ")).")
    }
}
