import EaselCore
import Foundation
import Logging
import PostgresNIO

/// Runs a transaction and unwraps PostgresNIO's wrapper, mapping a unique violation to
/// ``StoreError/conflict(_:)`` when a message for it is given.
enum Transaction {
    static func run<T: Sendable>(
        _ client: PostgresClient,
        logger: Logger,
        conflict: String? = nil,
        _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            let inner = error.closureError ?? error.beginError ?? error.commitError ?? error
            if let conflict, PostgresErrorMessage.sqlState(inner) == "23505" { throw StoreError.conflict(conflict) }
            throw inner
        }
    }
}
