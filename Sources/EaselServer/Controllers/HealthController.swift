import EaselCore
import EaselStore
import Hummingbird
import Logging
import PostgresNIO

/// `/health` (the process is up) and `/ready` (it can serve: database reachable, schema current,
/// not shutting down).
struct HealthController {
    let postgres: PostgresClient
    let migrator: Migrator
    let databaseURL: DatabaseURL
    /// A database that does not answer within this time counts as down.
    let databaseTimeout: Duration
    /// Whether a graceful shutdown has begun (the instance finishes what it runs, takes nothing new).
    let draining: @Sendable () -> Bool

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("health", use: health)
            .get("ready", use: ready)
    }

    struct HealthView: ResponseEncodable {
        var status: String
    }

    struct ReadyView: ResponseEncodable {
        var status: String
        var database: String
        var appliedMigrations: [Int]
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> HealthView {
        HealthView(status: "ok")
    }

    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> ReadyView {
        guard !draining() else {
            throw AppError.unavailable("This instance is shutting down; send new calls to another.", code: "draining")
        }
        let migrator = self.migrator
        let status: Migrator.Status
        do {
            // A pool facing an unreachable server keeps retrying for a long time; a readiness probe cannot wait.
            status = try await withTimeout(databaseTimeout) { try await migrator.status() }
        } catch let error as TimeoutError {
            // The pool only says it is waiting; a direct connection says why.
            do {
                try await DatabaseProbe.check(databaseURL, timeout: .seconds(2), logger: context.logger)
            } catch is TimeoutError {
            } catch {
                throw AppError.unavailable(
                    "The database is unreachable: \(PostgresErrorMessage.describe(error))",
                    code: "database_unavailable"
                )
            }
            throw AppError.unavailable("The database did not answer within \(error.duration).", code: "database_unavailable")
        } catch let error as MigrationError {
            throw AppError.unavailable("The database schema does not match this build: \(error)", code: "schema_mismatch")
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(String(reflecting: error))"])
            throw AppError.unavailable(
                "The database is unreachable: \(PostgresErrorMessage.describe(error))",
                code: "database_unavailable"
            )
        }
        guard status.isCurrent else {
            let pending = status.pending.map { String(format: "%04d", $0) }.joined(separator: ", ")
            throw AppError.unavailable(
                "Migrations \(pending) are not applied yet; run `easel migrate`.",
                code: "migrations_pending"
            )
        }
        return ReadyView(status: "ready", database: "ok", appliedMigrations: status.applied)
    }
}
