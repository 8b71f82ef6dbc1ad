import EaselStore
import Foundation
import Logging

/// Everything Easel reads from its environment, checked once at start-up.
///
/// Required: `EASEL_DATABASE_URL` and `EASEL_SECRET_KEY`. Everything else has a default.
public struct AppConfiguration: Sendable {
    public var databaseURL: DatabaseURL
    public var host: String
    public var port: Int
    /// 32 bytes that encrypt upstream tokens at rest (AES-GCM).
    public var secretKey: Data
    public var publicDirectory: String
    public var migrationsDirectory: String
    public var geminiBaseURL: String
    public var geminiAPIKey: String?
    public var cookieSecure: Bool
    public var bcryptCost: Int
    public var logLevel: Logger.Level
    /// Whether `serve` applies pending migrations before it accepts requests.
    public var migrateOnStart: Bool
    /// How long a graceful shutdown may take before work still running is cancelled.
    public var shutdownGracePeriod: Duration
    /// A session ends after this long without a request...
    public var sessionIdleTimeout: Duration
    /// ...and after this long in any case.
    public var sessionLifetime: Duration
    /// The address people reach Easel at, for links Easel hands out (set-password links).
    public var publicURL: String
    /// Whether a reverse proxy in front sets `X-Forwarded-For`, so the client's address is its last entry.
    public var trustForwardedFor: Bool
    /// Whether tenant-scoped model base URLs may point at loopback, link-local or private addresses.
    public var allowPrivateUpstreams: Bool
    /// How tenant base URLs are resolved for the private-address check (the machine's resolver;
    /// tests give one whose answers they change, as DNS can between save and use).
    public var hostResolver: any HostResolver = SystemHostResolver()
    /// Generations this instance runs at once.
    public var workers: Int
    /// The longest one generation may take upstream, retries included.
    public var generationTimeout: Duration
    /// How long a running job's lease lasts (renewed every third of it while this instance
    /// runs the job): how soon another instance takes over the jobs of one that died.
    public var lease: Duration = .seconds(60)
    /// How often work is looked for when no wake-up comes. Jobs queued and changed on other
    /// instances are announced by PostgreSQL notifications; this is only the fallback.
    public var pollInterval: Duration = .seconds(2)
    /// How often images past their tenant's retention (and images nothing uses) are deleted.
    public var imagePurgeInterval: Duration = .seconds(600)
    /// Generation requests per minute per user and per API key, across all instances (0: no limit).
    public var userRequestsPerMinute: Int
    public var apiKeyRequestsPerMinute: Int

    public init(
        databaseURL: DatabaseURL,
        host: String = "127.0.0.1",
        port: Int = 8080,
        secretKey: Data,
        publicDirectory: String = "Public",
        migrationsDirectory: String = "migrations",
        geminiBaseURL: String = AppConfiguration.googleBaseURL,
        geminiAPIKey: String? = nil,
        cookieSecure: Bool = false,
        bcryptCost: Int = 12,
        logLevel: Logger.Level = .info,
        migrateOnStart: Bool = true,
        shutdownGracePeriod: Duration = .seconds(30),
        sessionIdleTimeout: Duration = .seconds(12 * 3600),
        sessionLifetime: Duration = .seconds(7 * 24 * 3600),
        publicURL: String? = nil
    ) {
        self.databaseURL = databaseURL
        self.host = host
        self.port = port
        self.secretKey = secretKey
        self.publicDirectory = publicDirectory
        self.migrationsDirectory = migrationsDirectory
        self.geminiBaseURL = geminiBaseURL
        self.geminiAPIKey = geminiAPIKey
        self.cookieSecure = cookieSecure
        self.bcryptCost = bcryptCost
        self.logLevel = logLevel
        self.migrateOnStart = migrateOnStart
        self.shutdownGracePeriod = shutdownGracePeriod
        self.sessionIdleTimeout = sessionIdleTimeout
        self.sessionLifetime = sessionLifetime
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.trustForwardedFor = false
        self.allowPrivateUpstreams = false
        self.workers = 8
        self.generationTimeout = .seconds(180)
        self.userRequestsPerMinute = 60
        self.apiKeyRequestsPerMinute = 120
    }

    public static let googleBaseURL = "https://generativelanguage.googleapis.com"

    /// Reads the configuration from environment variables.
    ///
    /// The first missing or malformed variable throws a ``ConfigurationError`` whose description
    /// is one line naming the variable and what is wrong with it.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> AppConfiguration {
        let reader = EnvironmentReader(environment)
        let databaseURL: DatabaseURL
        do {
            databaseURL = try DatabaseURL(try reader.required("EASEL_DATABASE_URL"))
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(variable: "EASEL_DATABASE_URL", problem: "\(error)")
        }
        var configuration = AppConfiguration(
            databaseURL: databaseURL,
            secretKey: try reader.secretKey("EASEL_SECRET_KEY")
        )
        configuration.host = try reader.string("EASEL_HOST", default: configuration.host)
        configuration.port = try reader.integer("EASEL_PORT", default: configuration.port, in: 0...65535)
        configuration.publicDirectory = try reader.string("EASEL_PUBLIC_DIR", default: configuration.publicDirectory)
        configuration.migrationsDirectory = try reader.string(
            "EASEL_MIGRATIONS_DIR",
            default: configuration.migrationsDirectory
        )
        configuration.geminiBaseURL = try reader.httpURL("GEMINI_BASE_URL", default: configuration.geminiBaseURL)
        configuration.geminiAPIKey = reader.optional("GEMINI_API_KEY")
        configuration.bcryptCost = try reader.integer("EASEL_BCRYPT_COST", default: configuration.bcryptCost, in: 4...31)
        configuration.logLevel = try reader.logLevel("EASEL_LOG_LEVEL", default: configuration.logLevel)
        let grace = try reader.integer("EASEL_SHUTDOWN_GRACE_SECONDS", default: 30, in: 1...3600)
        configuration.shutdownGracePeriod = .seconds(grace)
        let idleMinutes = try reader.integer("EASEL_SESSION_IDLE_MINUTES", default: 12 * 60, in: 1...525_600)
        configuration.sessionIdleTimeout = .seconds(idleMinutes * 60)
        let lifetimeHours = try reader.integer("EASEL_SESSION_MAX_HOURS", default: 7 * 24, in: 1...8760)
        configuration.sessionLifetime = .seconds(lifetimeHours * 3600)
        configuration.publicURL = try reader.httpURL(
            "EASEL_PUBLIC_URL",
            default: "http://\(configuration.host):\(configuration.port)"
        )
        // A site served over https gets Secure cookies unless the operator says otherwise.
        configuration.cookieSecure = try reader.boolean(
            "EASEL_COOKIE_SECURE",
            default: configuration.publicURL.lowercased().hasPrefix("https://")
        )
        configuration.trustForwardedFor = try reader.boolean("EASEL_TRUST_FORWARDED_FOR", default: false)
        configuration.allowPrivateUpstreams = try reader.boolean("EASEL_ALLOW_PRIVATE_UPSTREAMS", default: false)
        configuration.workers = try reader.integer("EASEL_WORKERS", default: 8, in: 1...4096)
        configuration.generationTimeout = .seconds(try reader.integer("EASEL_GENERATION_TIMEOUT_SECONDS", default: 180, in: 1...3600))
        configuration.lease = .seconds(try reader.integer("EASEL_LEASE_SECONDS", default: 60, in: 3...3600))
        configuration.userRequestsPerMinute = try reader.integer("EASEL_USER_REQUESTS_PER_MINUTE", default: 60, in: 0...1_000_000)
        configuration.apiKeyRequestsPerMinute = try reader.integer("EASEL_API_KEY_REQUESTS_PER_MINUTE", default: 120, in: 0...1_000_000)
        return configuration
    }
}

/// A missing or malformed environment variable.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let variable: String
    public let problem: String
    public var description: String { "\(variable) \(problem)" }
}
