import EaselCore
import EaselStore
import Hummingbird
import Logging
import PostgresNIO

/// `/health` (the process is up) and `/ready` (it can serve: database reachable, schema current,
/// not shutting down).
///
/// Both answer anyone, so they say only whether and, as a code, why not: the database's error
/// and the schema's versions go to the log (under the request id), not to the visitor.
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
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> HealthView {
        HealthView(status: "ok")
    }

    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> ReadyView {
        guard !draining() else {
            throw AppError.unavailable("This instance is shutting down; send new calls to another.", code: "draining")
        }
        func notReady(_ code: String, _ plain: String, detail: String) -> AppError {
            context.logger.warning("not ready", metadata: ["reason": .string(code), "detail": .string(detail)])
            return AppError.unavailable(
                "This instance is not ready: \(plain). The server log says why, under this response's request id.",
                code: code
            )
        }
        let migrator = self.migrator
        let status: Migrator.Status
        do {
            // A pool facing an unreachable server keeps retrying for a long time; a readiness probe cannot wait.
            status = try await withTimeout(databaseTimeout) { try await migrator.status() }
        } catch let error as TimeoutError {
            // The pool only says it is waiting; a direct connection says why.
            var detail = "the database did not answer within \(error.duration)"
            do {
                try await DatabaseProbe.check(databaseURL, timeout: .seconds(2), logger: context.logger)
            } catch is TimeoutError {
            } catch {
                detail = PostgresErrorMessage.describe(error)
            }
            throw notReady("database_unavailable", "its database is unreachable", detail: detail)
        } catch let error as MigrationError {
            throw notReady("schema_mismatch", "its database schema does not match this build", detail: "\(error)")
        } catch {
            throw notReady("database_unavailable", "its database is unreachable", detail: PostgresErrorMessage.describe(error))
        }
        guard status.isCurrent else {
            let pending = status.pending.map { String(format: "%04d", $0) }.joined(separator: ", ")
            throw notReady("migrations_pending", "migrations are not applied yet; run `easel migrate`", detail: "pending: \(pending)")
        }
        return ReadyView(status: "ready")
    }
}
