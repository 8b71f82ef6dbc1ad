import Foundation

/// Where a call goes and with which key: Google itself, or an alternate base URL (a relay or
/// a regional proxy) with its own token.
public struct GeminiEndpoint: Sendable, Hashable {
    public static let googleBaseURL = "https://generativelanguage.googleapis.com"

    /// Scheme, host, optional port and optional path prefix, without a trailing slash.
    public var baseURL: String
    /// Sent as `x-goog-api-key`; nil sends none.
    public var apiKey: String?
    public var apiVersion: String

    public init(baseURL: String = GeminiEndpoint.googleBaseURL, apiKey: String?, apiVersion: String = "v1beta") {
        var trimmed = baseURL
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.baseURL = trimmed
        self.apiKey = apiKey
        self.apiVersion = apiVersion
    }

    /// The host (and port) calls go to, for history and logs.
    public var host: String {
        guard let components = URLComponents(string: baseURL), let host = components.host else { return baseURL }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    /// The URL of `method` (`generateContent`, `streamGenerateContent`) for `model`.
    ///
    /// A base URL that already ends in the API version (`https://relay.example/v1beta`) is used
    /// as is; `models/` in front of the model id is accepted and not doubled.
    public func url(model: String, method: String, query: String? = nil) throws(GeminiError) -> String {
        guard let components = URLComponents(string: baseURL), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else {
            throw GeminiError(.invalidRequest("base URL '\(baseURL)' is not an http(s) URL"))
        }
        let modelID = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
        guard !modelID.isEmpty, modelID.allSatisfy({ $0.isLetter || $0.isNumber || "-._".contains($0) }) else {
            throw GeminiError(.invalidRequest("model id '\(model)' has characters Google does not use"))
        }
        let versioned = baseURL.hasSuffix("/\(apiVersion)") ? baseURL : "\(baseURL)/\(apiVersion)"
        return "\(versioned)/models/\(modelID):\(method)" + (query.map { "?\($0)" } ?? "")
    }
}
