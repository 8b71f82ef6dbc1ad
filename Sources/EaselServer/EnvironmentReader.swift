import EaselStore
import Foundation
import Logging

/// Typed access to environment variables, where an empty value counts as unset.
struct EnvironmentReader {
    let environment: [String: String]
    init(_ environment: [String: String]) { self.environment = environment }

    func optional(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func required(_ name: String) throws(ConfigurationError) -> String {
        guard let value = optional(name) else {
            throw ConfigurationError(variable: name, problem: "is not set")
        }
        return value
    }

    func string(_ name: String, default value: String) throws(ConfigurationError) -> String {
        optional(name) ?? value
    }

    func integer(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let raw = optional(name) else { return value }
        guard let number = Int(raw), range.contains(number) else {
            throw ConfigurationError(
                variable: name,
                problem: "is '\(raw)'; expected a whole number from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return number
    }

    func boolean(_ name: String, default value: Bool) throws(ConfigurationError) -> Bool {
        guard let raw = optional(name) else { return value }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, problem: "is '\(raw)'; expected true or false")
        }
    }

    func httpURL(_ name: String, default value: String) throws(ConfigurationError) -> String {
        guard let raw = optional(name) else { return value }
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false
        else {
            throw ConfigurationError(variable: name, problem: "is '\(raw)'; expected an http:// or https:// URL")
        }
        return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
    }

    func logLevel(_ name: String, default value: Logger.Level) throws(ConfigurationError) -> Logger.Level {
        guard let raw = optional(name) else { return value }
        guard let level = Logger.Level(rawValue: raw.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: name, problem: "is '\(raw)'; expected one of \(names)")
        }
        return level
    }

    func secretKey(_ name: String) throws(ConfigurationError) -> Data {
        let raw = try required(name)
        guard let data = Data(base64Encoded: raw), data.count == 32 else {
            throw ConfigurationError(
                variable: name,
                problem: "must be 32 random bytes in base64 (for example: openssl rand -base64 32)"
            )
        }
        return data
    }
}
