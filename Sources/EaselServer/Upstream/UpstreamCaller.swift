import EaselCore
import EaselStore
import Foundation
import Gemini
import Logging

/// The only user of `GeminiClient`. Every call Easel makes to Gemini (a queued generation, a
/// Gemini-compatible call answered inline, a model's test action) comes here, so the route, the
/// address check, the deadline and the mapping of what came back are decided in one place.
struct UpstreamCaller: Sendable {
    let gemini: GeminiClient
    /// Google itself, with the platform's key: for platform-wide models only.
    let platformEndpoint: GeminiEndpoint
    let addressGuard: UpstreamAddressGuard
    /// `EASEL_ALLOW_PRIVATE_UPSTREAMS`: tenant models may reach loopback and private addresses.
    let allowPrivateUpstreams: Bool
    /// The longest one generation may take upstream, retries included.
    let callTimeout: Duration

    /// How one call went.
    enum Outcome: Sendable {
        /// Gemini answered (which may still be a safety block or an answer without an image).
        case answered(GenerateContentResponse, attempts: [GeminiAttempt])
        /// Gemini could not be reached, refused the request, or did not finish in time.
        case failed(GeminiError)
        /// Not sent: the route may not be used now (see `RouteRefusal`).
        case refused(RouteRefusal)
        /// The caller went away or the user canceled; nothing was delivered.
        case canceled(attempts: [GeminiAttempt])
    }

    /// Why a model's route may not be called.
    struct RouteRefusal: Error, Sendable, Equatable {
        /// A stable code for history: `upstream_address_refused`, `no_upstream_credentials`.
        var code: String
        var message: String
    }

    /// The endpoint a model's calls go to now.
    ///
    /// The platform's key goes only to the platform's endpoint and only for platform-wide
    /// models: a tenant's own model uses its own base URL and token, so a tenant admin can
    /// neither collect the platform key on a server they control nor spend it on a model nobody
    /// offered them. A tenant's base URL is resolved again on every call (DNS may have changed
    /// since it was saved) and refused when it reaches a non-public address.
    func endpoint(for model: ModelRecord, route: ModelStore.Route) async throws(RouteRefusal) -> GeminiEndpoint {
        let isTenantModel = model.tenantID != nil
        guard let baseURL = route.baseURL else {
            if isTenantModel {
                guard let token = route.token else {
                    throw RouteRefusal(
                        code: "no_upstream_credentials",
                        message:
                            "\(model.name) is your tenant's own model but has no token: add your own Gemini API key to it (the platform's key serves platform models only)."
                    )
                }
                return GeminiEndpoint(baseURL: platformEndpoint.baseURL, apiKey: token)
            }
            return GeminiEndpoint(baseURL: platformEndpoint.baseURL, apiKey: route.token ?? platformEndpoint.apiKey)
        }
        if isTenantModel, !allowPrivateUpstreams {
            let components = URLComponents(string: baseURL)
            let port = components?.port ?? (components?.scheme?.lowercased() == "https" ? 443 : 80)
            do {
                try await addressGuard.check(host: components?.host ?? "", port: port)
            } catch {
                throw RouteRefusal(
                    code: "upstream_address_refused",
                    message: "Not sent: the model's base URL is refused now: \(error); tenant models must reach public addresses."
                )
            }
        }
        return GeminiEndpoint(baseURL: baseURL, apiKey: route.token)
    }

    /// Calls `model` through its route. Streamed calls hand each chunk to `onChunk` as it
    /// arrives and answer with the merged response; unary calls answer with the response as sent.
    /// Never throws: every way a call can end is an `Outcome`.
    func call(
        _ model: ModelRecord,
        route: ModelStore.Route,
        request: GenerateContentRequest,
        streamed: Bool,
        timeout: Duration? = nil,
        retry: RetryPolicy = .default,
        onChunk: @Sendable (GenerateContentResponse) async throws -> Void = { _ in }
    ) async -> (outcome: Outcome, host: String) {
        let endpoint: GeminiEndpoint
        do throws(RouteRefusal) {
            endpoint = try await self.endpoint(for: model, route: route)
        } catch {
            return (.refused(error), GeminiEndpoint(baseURL: route.baseURL ?? platformEndpoint.baseURL, apiKey: nil).host)
        }
        let options = GeminiClient.CallOptions(timeout: timeout ?? callTimeout, retry: retry)
        // A `-preview` id Google has shut down is called by its generally available successor.
        let upstreamModel = ModelCatalog.callableID(for: model.apiModel, on: ModelLifecycle.today())
        var attempts: [GeminiAttempt] = []
        do {
            if !streamed {
                let result = try await gemini.generateContent(model: upstreamModel, request: request, endpoint: endpoint, options: options)
                return (.answered(result.response, attempts: result.attempts), endpoint.host)
            }
            let stream = try await gemini.streamGenerateContent(model: upstreamModel, request: request, endpoint: endpoint, options: options)
            attempts = stream.attempts
            var chunks: [GenerateContentResponse] = []
            for try await chunk in stream {
                chunks.append(chunk)
                try await onChunk(chunk)
            }
            return (.answered(.merge(chunks), attempts: attempts), endpoint.host)
        } catch let error as GeminiError {
            if Task.isCancelled { return (.canceled(attempts: error.attempts.isEmpty ? attempts : error.attempts), endpoint.host) }
            return (.failed(error.attempts.isEmpty ? GeminiError(error.kind, attempts: attempts) : error), endpoint.host)
        } catch {
            // Cancellation, or the chunk sink failing (a client that went away).
            return (.canceled(attempts: attempts), endpoint.host)
        }
    }

    /// Counts tokens for `model` through its route, the same endpoint and address check as a
    /// generation, with the config's system instruction in front as the real call has it;
    /// nothing is stored.
    func countTokens(
        _ model: ModelRecord,
        route: ModelStore.Route,
        body: JSONValue
    ) async -> (result: Result<JSONValue, GeminiError>?, refusal: RouteRefusal?) {
        let endpoint: GeminiEndpoint
        do throws(RouteRefusal) {
            endpoint = try await self.endpoint(for: model, route: route)
        } catch {
            return (nil, error)
        }
        let upstreamModel = ModelCatalog.callableID(for: model.apiModel, on: ModelLifecycle.today())
        do {
            let answer = try await gemini.countTokens(
                model: upstreamModel,
                body: CountTokensBody.withInstruction(model.systemInstruction, model: upstreamModel, body: body),
                endpoint: endpoint,
                options: .init(timeout: .seconds(30))
            )
            return (.success(answer.response), nil)
        } catch {
            return (.failure(error), nil)
        }
    }
}
