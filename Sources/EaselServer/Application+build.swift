import AsyncHTTPClient
import Crypto
import EaselCore
import EaselStore
import Foundation
import Gemini
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// Builds the whole Easel application from its configuration. `easel serve` and the tests both
/// call this, so what is tested is what runs.
///
/// The PostgreSQL client runs as a service beside the HTTP server; pending migrations are applied
/// before the server accepts its first request (unless `migrateOnStart` is off). A
/// ``ShutdownDrain`` given here drains the worker when a graceful shutdown begins.
public func buildApplication(
    configuration: AppConfiguration,
    logger baseLogger: Logger? = nil,
    drain: ShutdownDrain? = nil
) async throws -> some ApplicationProtocol {
    let logger = {
        var logger = baseLogger ?? Logger(label: "easel")
        logger.logLevel = configuration.logLevel
        return logger
    }()

    let migrations = try Migration.load(from: URL(fileURLWithPath: configuration.migrationsDirectory))
    let postgres = PostgresClient(
        configuration: configuration.databaseURL.clientConfiguration(),
        backgroundLogger: logger
    )
    let migrator = Migrator(client: postgres, migrations: migrations, logger: logger)

    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        RequestIDMiddleware()
        AccessLogMiddleware()
        SecurityHeadersMiddleware()
        ErrorMiddleware()
        PathGuardMiddleware()
        FileMiddleware<AppRequestContext, LocalFileSystem>(
            configuration.publicDirectory,
            searchForIndexHtml: true,
            logger: logger
        )
    }
    let users = UserStore(client: postgres, logger: logger)
    let tenants = TenantStore(client: postgres, logger: logger)
    let sessions = SessionStore(client: postgres, logger: logger)
    let keys = APIKeyStore(client: postgres, logger: logger)
    let passwordTokens = PasswordTokenStore(client: postgres, logger: logger)
    let audits = AuditStore(client: postgres, logger: logger)
    let hasher = PasswordHasher(cost: configuration.bcryptCost)
    let passwordPolicy = PasswordPolicy()
    let auth = AuthService(
        users: users,
        tenants: tenants,
        sessions: sessions,
        keys: keys,
        throttle: LoginThrottleStore(client: postgres, logger: logger),
        hasher: hasher,
        csrfKey: SecretBox.deriveKey(from: configuration.secretKey, purpose: "easel-csrf-v1"),
        sessionIdle: configuration.sessionIdleTimeout,
        sessionLifetime: configuration.sessionLifetime,
        decoyHash: try await hasher.hash(GeneratedSecret.password())
    )

    let api = router.group("api/v1").add(middleware: AuthMiddleware(auth: auth, trustForwardedFor: configuration.trustForwardedFor))
    api.addRoutes(
        AuthController(
            auth: auth,
            users: users,
            sessions: sessions,
            passwordTokens: passwordTokens,
            policy: passwordPolicy,
            cookieSecure: configuration.cookieSecure
        ).endpoints,
        atPath: "auth"
    )
    let generations = GenerationStore(client: postgres, logger: logger)
    let admission = AdmissionStore(client: postgres, logger: logger)
    let images = ImageStore(client: postgres, logger: logger)
    api.addRoutes(
        MeController(auth: auth, users: users, tenants: tenants, admission: admission, policy: passwordPolicy).endpoints,
        atPath: "me"
    )
    api.addRoutes(KeyController(keys: keys).endpoints, atPath: "keys")
    api.addRoutes(TenantController(tenants: tenants).endpoints, atPath: "tenants")
    api.addRoutes(
        UserController(
            users: users,
            tenants: tenants,
            passwordTokens: passwordTokens,
            hasher: hasher,
            policy: passwordPolicy,
            publicURL: configuration.publicURL,
            admission: admission
        ).endpoints,
        atPath: "users"
    )
    api.addRoutes(AuditController(audits: audits).endpoints, atPath: "audit")
    // Every worker may hold one upstream call; model tests add a few more.
    let gemini = GeminiClient(httpClient: GeminiClient.makeHTTPClient(connectionsPerHost: max(64, configuration.workers + 16)), logger: logger)
    let upstream = UpstreamCaller(
        gemini: gemini,
        platformEndpoint: GeminiEndpoint(baseURL: configuration.geminiBaseURL, apiKey: configuration.geminiAPIKey),
        addressGuard: UpstreamAddressGuard(resolver: configuration.hostResolver),
        allowPrivateUpstreams: configuration.allowPrivateUpstreams,
        callTimeout: configuration.generationTimeout
    )
    let models = ModelStore(client: postgres, logger: logger, box: SecretBox(secret: configuration.secretKey))
    api.addRoutes(UsageController(usage: UsageStore(client: postgres, logger: logger), models: models, generations: generations).endpoints)
    api.addRoutes(ModelController(models: models, tenants: tenants, upstream: upstream).endpoints, atPath: "models")
    let queue = GenerationQueue(client: postgres, logger: logger)
    let worker = GenerationWorker(
        images: images,
        queue: queue,
        models: models,
        upstream: upstream,
        concurrency: configuration.workers,
        lease: configuration.lease,
        pollInterval: configuration.pollInterval,
        purgeInterval: configuration.imagePurgeInterval,
        signals: GenerationSignals(fallbackPoll: configuration.pollInterval),
        logger: logger
    )
    drain?.attach(worker)
    let rateLimiter = RateLimiter(
        store: RateLimitStore(client: postgres, logger: logger),
        perUser: configuration.userRequestsPerMinute,
        perAPIKey: configuration.apiKeyRequestsPerMinute
    )
    let service = GenerationService(generations: generations, models: models, worker: worker, rateLimiter: rateLimiter)
    api.addRoutes(GenerationController(service: service, generations: generations, signals: worker.signals).endpoints, atPath: "generations")
    api.addRoutes(ImageController(images: images).endpoints, atPath: "images")
    GeminiCompatController(service: service, models: models, upstream: upstream, auth: auth, logger: logger).addRoutes(to: router)
    api.group("conversations", context: TenantContext.self).addRoutes(
        ConversationController(conversations: ConversationStore(client: postgres, logger: logger), generations: generations).endpoints
    )
    router.addRoutes(
        HealthController(
            postgres: postgres,
            migrator: migrator,
            databaseURL: configuration.databaseURL,
            databaseTimeout: .seconds(3),
            draining: { worker.isDraining }
        ).endpoints
    )

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Easel"),
        logger: logger
    )
    // Services stop in reverse order: the worker finishes its jobs first, then the notification
    // listener and the Gemini client close, and the database pool last.
    app.addServices(
        postgres,
        HTTPClientService(client: gemini.httpClient),
        GenerationEvents(postgres: postgres, worker: worker, signals: worker.signals, logger: logger),
        worker
    )
    if configuration.migrateOnStart {
        app.beforeServerStarts {
            do {
                try await DatabaseProbe.check(configuration.databaseURL, timeout: .seconds(15), logger: logger)
            } catch is TimeoutError {
                throw StartupError(
                    "PostgreSQL at \(configuration.databaseURL) did not answer within 15 seconds (check EASEL_DATABASE_URL)"
                )
            } catch {
                throw StartupError(
                    "cannot connect to PostgreSQL at \(configuration.databaseURL): \(PostgresErrorMessage.describe(error))"
                )
            }
            do {
                let applied = try await withTimeout(.seconds(120)) { try await migrator.migrate() }
                logger.info("database schema is current", metadata: ["applied_now": "\(applied)"])
            } catch is TimeoutError {
                throw StartupError("migrations did not finish within 120 seconds; is another instance holding the lock?")
            } catch let error as MigrationError {
                throw StartupError("\(error)")
            } catch {
                throw StartupError(
                    "could not migrate \(configuration.databaseURL): \(PostgresErrorMessage.describe(error))"
                )
            }
        }
    }
    return app
}
