import ArgumentParser
import EaselCore
import EaselStore
import Foundation

struct CreateTenant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-tenant",
        abstract: "Create a tenant (an organisation) and print its id."
    )

    @Option(help: "The tenant's name.")
    var name: String

    @Option(help: "Lower-case letters, digits and dashes; made from the name when left out.")
    var slug: String?

    func run() async throws {
        let tenant: TenantStore.NewTenant
        do {
            let name = try TenantRules.name(self.name)
            tenant = TenantStore.NewTenant(name: name, slug: try slug.map { try TenantRules.slug($0) } ?? TenantRules.slug(fromName: name))
        } catch {
            throw Easel.fail("\(error)")
        }
        let created = try await Easel.withDatabase(doing: "create the tenant") { client, _, logger in
            try await TenantStore(client: client, logger: logger).create(tenant, audit: AuditEntry(actor: "cli", action: "tenant.create"))
        }
        print("Created tenant \(created.name) (\(created.slug)): \(created.id.uuidString.lowercased())")
    }
}
