import Foundation

/// How the kiosk service is set up: where it listens and how long things last.
public struct KioskConfiguration: Sendable {
    /// The address to listen on (loopback unless told otherwise).
    public var host: String = "127.0.0.1"
    /// The port (0: any free one, printed when listening).
    public var port: Int = 8080
    /// A session ends after this long without a request.
    public var sessionIdleTimeout: Duration = .seconds(15 * 60)
    /// A session ends this long after sign-in whatever happens.
    public var sessionLifetime: Duration = .seconds(12 * 3600)
    /// Wrong PINs in a row that lock sign-in for an operator id.
    public var maxFailedSignIns: Int = 5
    /// How long sign-in stays locked after `maxFailedSignIns` wrong PINs.
    public var signInLockout: Duration = .seconds(5 * 60)
    /// PBKDF2-HMAC-SHA256 iterations for new PINs.
    public var pinIterations: Int = 210_000
    /// How long a stop (SIGTERM) lets runs in progress finish before aborting them.
    public var drainTimeout: Duration = .seconds(20)
    /// How often the background uploader passes over the outbox.
    public var uploadInterval: Duration = .seconds(5)
    /// How long a run waits for a cartridge when the slot is empty.
    public var cartridgeWait: Duration = .seconds(120)
    /// Training mode (`--training`): simulated and replayed instruments are offered, and every
    /// screen says so. Off, `sim:` and `replay:` are neither listed nor run.
    public var training = false

    /// The defaults: 127.0.0.1:8080.
    public init() {}
}

/// An API failure: an HTTP status and a message people can act on, sent as
/// `{"error": {"status": 400, "message": "…"}}`.
public struct APIError: Error, Sendable {
    /// The HTTP status.
    public var status: Int
    /// What went wrong and what to do.
    public var message: String
    /// Extra response headers (`Retry-After`).
    public var headers: [String: String]

    /// Makes an error.
    public init(_ status: Int, _ message: String, headers: [String: String] = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    /// 401: no valid session.
    static let signInFirst = APIError(401, "sign in first (POST /api/v1/session)")
}
