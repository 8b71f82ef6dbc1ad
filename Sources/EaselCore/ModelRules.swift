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
        let allowed = id.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0) || "-._".unicodeScalars.contains($0)
        }
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
