import EaselStore
import Gemini

/// Where a model's calls go, and with which key.
enum UpstreamRoute {
    /// The endpoint for a model's stored route.
    ///
    /// The platform's key goes only to the platform's endpoint: a model with its own base URL
    /// uses its own token or none, so an admin cannot point a model at a server they control and
    /// collect the platform key.
    static func endpoint(for route: ModelStore.Route, platform: GeminiEndpoint) -> GeminiEndpoint {
        guard let baseURL = route.baseURL else {
            return GeminiEndpoint(baseURL: platform.baseURL, apiKey: route.token ?? platform.apiKey)
        }
        return GeminiEndpoint(baseURL: baseURL, apiKey: route.token)
    }
}
