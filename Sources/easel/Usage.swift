import ArgumentParser
import EaselCore
import EaselServer
import EaselStore
import Foundation

struct Usage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Print usage figures as CSV (the console's usage export) for one tenant or all, per UTC day range."
    )

    @Option(help: "The tenant's slug; every tenant when left out.")
    var tenant: String?

    @Option(help: "The first UTC day, YYYY-MM-DD (default: the first of this month).")
    var from: String?

    @Option(help: "The day after the last, YYYY-MM-DD (default: tomorrow).")
    var to: String?

    @Option(name: .customLong("group-by"), help: "total, day, month, model, user, tenant or reason.")
    var groupBy: String = "day"

    func run() async throws {
        guard let grouping = UsageStore.Grouping(rawValue: groupBy) else {
            throw Easel.fail("--group-by must be one of \(UsageStore.Grouping.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func day(_ text: String?, _ name: String) throws -> Date? {
            guard let text else { return nil }
            guard let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) else {
                throw Easel.fail("--\(name) must be a date such as 2026-11-01")
            }
            return date
        }
        let (start, end): (Date, Date)
        do {
            (start, end) = try UsageStore.dayRange(from: try day(from, "from"), to: try day(to, "to"))
        } catch let error as EaselCore.ValidationError {
            throw Easel.fail("--\(error.field) \(error.message)")
        }
        let slug = tenant
        let csv = try await Easel.withDatabase(doing: "read usage") { client, _, logger in
            var tenantID: UUID? = nil
            if let slug {
                guard let record = try await TenantStore(client: client, logger: logger).get(slug: slug) else {
                    throw Easel.fail("no tenant has the slug '\(slug)'")
                }
                tenantID = record.id
            }
            let groups = try await UsageStore(client: client, logger: logger).figures(tenantID: tenantID, from: start, to: end, groupBy: grouping)
            return CSV.usage(groups)
        }
        print(csv, terminator: "")
    }
}
