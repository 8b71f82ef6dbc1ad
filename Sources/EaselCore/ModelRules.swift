import Foundation

/// Rules for model config fields, with messages that name the field.
public enum ModelRules {
    public static func name(_ raw: String) throws(ValidationError) -> String {
        let name = raw.trimmingWhitespace()
        guard !name.isEmpty else { throw ValidationError(field: "name", message: "is required") }
        guard name.unicodeScalars.count <= 100 else { throw ValidationError(field: "name", message: "must be at most 100 characters") }
        return name
    }

    /// The upstream model id, e.g. `gemini-2.5-flash-image` (a leading `models/` is dropped).
    public static func apiModel(_ raw: String) throws(ValidationError) -> String {
        var id = raw.trimmingWhitespace()
        if id.hasPrefix("models/") { id.removeFirst("models/".count) }
        guard !id.isEmpty else { throw ValidationError(field: "apiModel", message: "is required") }
        let allowed = id.unicodeScalars.allSatisfy { $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || "-._".unicodeScalars.contains($0) }
        guard id.count <= 128, allowed, id.first?.isLetter == true || id.first?.isNumber == true else {
            throw ValidationError(field: "apiModel", message: "'\(raw)' is not a model id (letters, digits, '-', '.', '_')")
        }
        return id
    }

    public static func text(_ raw: String?, field: String, max: Int) throws(ValidationError) -> String {
        let value = raw ?? ""
        guard value.unicodeScalars.count <= max else { throw ValidationError(field: field, message: "must be at most \(max) characters") }
        return value
    }

    public static func sortOrder(_ value: Int) throws(ValidationError) -> Int {
        guard (0...1_000_000).contains(value) else {
            throw ValidationError(field: "sortOrder", message: "must be a whole number from 0 to 1000000")
        }
        return value
    }

    /// An alternate base URL: http or https, a host, no user or password, no query or fragment.
    public static func baseURL(_ raw: String) throws(ValidationError) -> URLComponents {
        let trimmed = raw.trimmingWhitespace()
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased() else {
            throw ValidationError(field: "baseUrl", message: "must start with http:// or https://")
        }
        guard scheme == "http" || scheme == "https" else {
            throw ValidationError(field: "baseUrl", message: "must start with http:// or https://")
        }
        guard let host = components.host, !host.isEmpty else { throw ValidationError(field: "baseUrl", message: "has no host") }
        guard components.user == nil, components.password == nil else {
            throw ValidationError(field: "baseUrl", message: "must not contain a user name or password; put the key in the token field")
        }
        guard components.fragment == nil, components.query == nil else {
            throw ValidationError(field: "baseUrl", message: "must not have a query (?...) or fragment (#...)")
        }
        return components
    }

    /// A token, trimmed; an empty token is refused (remove it instead).
    public static func token(_ raw: String) throws(ValidationError) -> String {
        let token = raw.trimmingWhitespace()
        guard !token.isEmpty else { throw ValidationError(field: "token", message: "must not be empty (send removeToken to remove it)") }
        guard token.unicodeScalars.count <= 4096 else { throw ValidationError(field: "token", message: "must be at most 4096 characters") }
        return token
    }

    /// The last four characters of a token, all that is ever shown of it.
    public static func hint(_ token: String) -> String { String(token.suffix(4)) }
}

/// What to do with a generation request for a model, given its deprecation date and successor.
public enum ModelLifecycle: Equatable, Sendable {
    /// Use the model; `notice` tells users it is deprecated when it is.
    case use(notice: String?)
    /// The model is retired: use the successor instead.
    case redirect(successorID: UUID, notice: String)
    /// The model is retired and has no successor.
    case retired(message: String)

    /// Today's calendar day in UTC, as deprecation dates are written (`YYYY-MM-DD`).
    public static func today(_ now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: now)
    }

    /// Decides for `modelName`, deprecated on `deprecationDate` (a calendar day, UTC), on `today`.
    public static func decide(
        modelName: String, deprecationDate: String?, successorID: UUID?, successorName: String?, today: String
    ) -> ModelLifecycle {
        guard let date = deprecationDate else { return .use(notice: nil) }
        if today < date {
            let next = successorName.map { " Use \($0) instead." } ?? ""
            return .use(notice: "\(modelName) is deprecated and stops taking new generations on \(date).\(next)")
        }
        if let successorID, let successorName {
            return .redirect(successorID: successorID, notice: "\(modelName) was retired on \(date); \(successorName) is used instead.")
        }
        return .retired(message: "\(modelName) was retired on \(date) and has no successor. Choose another model.")
    }
}
