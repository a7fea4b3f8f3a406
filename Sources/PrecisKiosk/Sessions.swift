import Crypto
import Foundation

/// A signed-in operator: the bearer token (also the HttpOnly cookie) and the CSRF token
/// every state-changing request from the page must echo in `X-Precis-CSRF`.
public struct KioskSession: Sendable, Codable, Equatable {
    /// The secret that identifies the session (cookie `precis_session` or `Authorization: Bearer`).
    public var token: String
    /// Echoed by the page in `X-Precis-CSRF` on every POST and DELETE.
    public var csrf: String
    /// Who signed in.
    public var operatorID: String
    /// What they may do.
    public var role: Role
    /// When the session ends at the latest.
    public var expiresAt: Date
    /// The last request, for the idle timeout.
    public var lastSeen: Date
}

/// The sessions in memory (a restart signs everyone out). Tokens are 256 random bits; the
/// table keeps only their SHA-256, so a memory dump does not hand out live sessions.
final class SessionTable: @unchecked Sendable {
    private let lock = NSLock()
    private var sessions: [String: KioskSession] = [:]
    private let configuration: KioskConfiguration
    private let clock: @Sendable () -> Date

    init(configuration: KioskConfiguration, clock: @escaping @Sendable () -> Date) {
        self.configuration = configuration
        self.clock = clock
    }

    /// Opens a session for `operatorID`.
    func open(operatorID: String, role: Role) -> KioskSession {
        let now = clock()
        let session = KioskSession(token: Self.randomToken(), csrf: Self.randomToken(), operatorID: operatorID, role: role,
                                   expiresAt: now.addingTimeInterval(Operators.seconds(configuration.sessionLifetime)),
                                   lastSeen: now)
        lock.withLock { sessions[Self.key(session.token)] = session }
        return session
    }

    /// The live session for `token`, refreshing its idle timer; nil when unknown or expired.
    func lookup(_ token: String) -> KioskSession? {
        let now = clock()
        let key = Self.key(token)
        return lock.withLock {
            guard var session = sessions[key] else { return nil }
            let idle = Operators.seconds(configuration.sessionIdleTimeout)
            guard now < session.expiresAt, now.timeIntervalSince(session.lastSeen) < idle else {
                sessions[key] = nil
                return nil
            }
            session.lastSeen = now
            sessions[key] = session
            return session
        }
    }

    /// Whether `token`'s session is still live, without counting this as activity (an open
    /// event stream does not keep a session alive).
    func isLive(_ token: String) -> Bool {
        let now = clock()
        let idle = Operators.seconds(configuration.sessionIdleTimeout)
        return lock.withLock {
            guard let s = sessions[Self.key(token)] else { return false }
            return now < s.expiresAt && now.timeIntervalSince(s.lastSeen) < idle
        }
    }

    /// Ends the session for `token`.
    func close(_ token: String) {
        _ = lock.withLock { sessions.removeValue(forKey: Self.key(token)) }
    }

    static func key(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
