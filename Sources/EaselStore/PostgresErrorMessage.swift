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

    /// The SQLSTATE of a server error, if the error is one.
    public static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
