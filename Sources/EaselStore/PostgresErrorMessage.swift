import PostgresNIO

/// Readable text for PostgreSQL errors.
///
/// `PSQLError`'s `description` is deliberately generic (it may carry user data), so messages for
/// operators are built from the server's own fields here.
public enum PostgresErrorMessage {
    public static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let server = psql.serverInfo {
                let message = server[.message] ?? "server error"
                let code = server[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                let detail = server[.detail].map { ": \($0)" } ?? ""
                return message + detail + code
            }
            return "\(psql.code)" + (psql.underlying.map { ": \($0)" } ?? "")
        }
        return String(describing: error)
    }

    /// SQLSTATE, constraint and message, without DETAIL or the query's bind values.
    public static func describeForLog(_ error: PSQLError) -> String {
        guard let server = error.serverInfo else { return "\(error.code)" }
        let parts = [
            server[.sqlState].map { "SQLSTATE \($0)" }, server[.constraintName].map { "constraint \($0)" }, server[.message],
        ].compactMap { $0 }
        return parts.joined(separator: ", ")
    }

    /// Whether `error` means the database cannot be reached for now (a restart, a dropped
    /// connection, no free connection): worth a 503 and a retry, not a 500.
    public static func isUnavailable(_ error: any Error) -> Bool {
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError].contains { $0.map(isUnavailable) ?? false }
        }
        if let error = error as? PSQLError {
            switch error.code {
            case .connectionError, .clientClosedConnection, .serverClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                // 08: connection exception; 53: insufficient resources (too many connections);
                // 57P: operator intervention (an administrator's or a crash's shutdown, starting up).
                guard let state = error.serverInfo?[.sqlState] else { return false }
                return state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P")
            default:
                return false
            }
        }
        // The pool's own errors (shut down, timed out waiting for a connection).
        return String(reflecting: type(of: error)).contains("ConnectionPoolError")
    }

    /// Whether the server refused a value (data exceptions 22xxx, check violations 23514).
    public static func isBadValue(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("22") || state == "23514"
    }

    public static func constraint(_ error: PSQLError) -> String? {
        error.serverInfo?[.constraintName]
    }

    /// The SQLSTATE of a server error, if the error is one.
    public static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
