import Crypto
import EaselCore
import EaselStore
import Foundation
import Logging
import PostgresNIO

/// Log-in, sessions and API keys: how a request becomes a ``Principal``.
struct AuthService: Sendable {
    static let cookieName = "easel_session"
    static let apiKeyPrefix = "esl_"

    let users: UserStore
    let tenants: TenantStore
    let sessions: SessionStore
    let keys: APIKeyStore
    let throttle: LoginThrottleStore
    let hasher: PasswordHasher
    /// Key of the CSRF HMAC (swift-crypto's SymmetricKey is not Sendable, so raw bytes are kept).
    let csrfKey: Data
    let sessionIdle: Duration
    let sessionLifetime: Duration
    let accountRule = LoginThrottleStore.Rule(maxFailures: 5, window: .seconds(15 * 60), lockout: .seconds(15 * 60))
    let addressRule = LoginThrottleStore.Rule(maxFailures: 30, window: .seconds(15 * 60), lockout: .seconds(15 * 60))
    /// A valid bcrypt hash to verify against when the e-mail is unknown, so a wrong e-mail takes
    /// as long as a wrong password and does not reveal which accounts exist.
    let decoyHash: String

    struct LoggedIn: Sendable {
        var user: UserRecord
        var sessionToken: String
        var csrfToken: String
    }

    /// Checks the password and opens a session. Every refusal looks the same to the caller
    /// except a lock-out, which says when to try again.
    func login(email rawEmail: String, password: String, clientIP: String?, userAgent: String?) async throws -> LoggedIn {
        let email = rawEmail.trimmingWhitespace().lowercased()
        guard !email.isEmpty, !password.isEmpty else {
            throw AppError(.badRequest, code: "invalid_field", message: "Enter an e-mail address and a password.")
        }
        guard email.unicodeScalars.count <= 254, password.utf8.count <= 1024 else {
            throw AppError(.unauthorized, code: "invalid_credentials", message: "The e-mail or password is not right.")
        }
        for (kind, key) in [(LoginThrottleStore.Kind.account, email), (.ip, clientIP ?? "unknown")] {
            if let until = try await throttle.lockedUntil(kind, key) {
                throw Self.lockedOut(until: until, kind: kind)
            }
        }
        let user = try await users.find(email: email)
        let matches = try await hasher.verify(password, hash: user?.passwordHash ?? decoyHash)
        guard let user, matches, user.status == .active else {
            let accountLock = try await throttle.recordFailure(.account, email, rule: accountRule)
            let addressLock = try await throttle.recordFailure(.ip, clientIP ?? "unknown", rule: addressRule)
            if let until = accountLock { throw Self.lockedOut(until: until, kind: .account) }
            if let until = addressLock { throw Self.lockedOut(until: until, kind: .ip) }
            if let user, matches, user.status == .disabled {
                throw AppError(.forbidden, code: "account_disabled", message: "This account is disabled. Ask an admin of your organisation.")
            }
            throw AppError(.unauthorized, code: "invalid_credentials", message: "The e-mail or password is not right.")
        }
        if let tenantID = user.tenantID, try await tenantStatus(tenantID) == .suspended {
            throw Self.tenantSuspended
        }
        try await throttle.reset(.account, email)
        let token = SecureToken.make()
        let csrf = SecureToken.csrfToken(forSession: token, key: csrfKey)
        _ = try await sessions.create(
            userID: user.id,
            tenantID: user.tenantID,
            tokenHash: SecureToken.sha256(token),
            csrfHash: SecureToken.sha256(csrf),
            idle: sessionIdle,
            lifetime: sessionLifetime,
            clientIP: clientIP,
            userAgent: userAgent
        )
        try await users.recordLogin(user.id)
        return LoggedIn(user: user, sessionToken: token, csrfToken: csrf)
    }

    /// The caller behind a session cookie token, or nil when the session is unknown, ended or expired.
    func identity(sessionToken token: String) async throws -> Identity? {
        guard let session = try await sessions.resolve(tokenHash: SecureToken.sha256(token)) else { return nil }
        try check(session.user, tenantStatus: session.tenantStatus)
        // Extend the idle expiry at most once a minute per session.
        if Date().timeIntervalSince(session.lastSeenAt) > 60 {
            try await sessions.touch(session.sessionID, idle: sessionIdle)
        }
        let principal = Principal(
            userID: session.user.id,
            tenantID: session.user.tenantID,
            role: session.user.role,
            email: session.user.email,
            credential: .session(id: session.sessionID)
        )
        return Identity(principal: principal, sessionToken: token)
    }

    /// The caller behind an API key; a revoked, expired or unknown key is a 401 that says which.
    func identity(apiKey: String) async throws -> Identity {
        guard apiKey.hasPrefix(Self.apiKeyPrefix), let resolved = try await keys.resolve(keyHash: SecureToken.sha256(apiKey)) else {
            throw AppError(.unauthorized, code: "invalid_api_key", message: "The API key is not valid.")
        }
        if resolved.key.revokedAt != nil {
            throw AppError(.unauthorized, code: "api_key_revoked", message: "The API key \(resolved.key.prefix)… was revoked.")
        }
        if let expiry = resolved.key.expiresAt, expiry <= Date() {
            throw AppError(
                .unauthorized,
                code: "api_key_expired",
                message: "The API key \(resolved.key.prefix)… expired on \(ISO8601DateFormatter().string(from: expiry))."
            )
        }
        try check(resolved.user, tenantStatus: resolved.tenantStatus)
        try await keys.markUsed(resolved.key.id)
        let principal = Principal(
            userID: resolved.user.id,
            tenantID: resolved.user.tenantID,
            role: resolved.user.role,
            email: resolved.user.email,
            credential: .apiKey(id: resolved.key.id)
        )
        return Identity(principal: principal, sessionToken: nil)
    }

    func check(_ user: UserRecord, tenantStatus: TenantRecord.Status?) throws {
        guard user.status == .active else {
            throw AppError(.unauthorized, code: "account_disabled", message: "This account is disabled.")
        }
        if tenantStatus == .suspended { throw Self.tenantSuspended }
    }

    func tenantStatus(_ tenantID: UUID) async throws -> TenantRecord.Status? {
        try await tenants.get(tenantID)?.status
    }

    static let tenantSuspended = AppError(
        .forbidden,
        code: "tenant_suspended",
        message: "Your organisation's access to Easel is suspended. Contact the platform admin."
    )

    static func lockedOut(until: Date, kind: LoginThrottleStore.Kind) -> AppError {
        let seconds = max(1, Int(until.timeIntervalSinceNow.rounded(.up)))
        let minutes = (seconds + 59) / 60
        let subject = kind == .account ? "this account" : "your address"
        return AppError(
            .tooManyRequests,
            code: "login_locked",
            message: "Too many failed log-ins for \(subject). Try again in \(minutes) minute\(minutes == 1 ? "" : "s").",
            headers: [.retryAfter: "\(seconds)"]
        )
    }
}
