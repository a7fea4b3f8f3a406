import Foundation
import PrecisCore
import PrecisStore

/// Why a delivery did not go through, and whether to try again.
public enum DeliveryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Try again later (5xx, 408, 429, no connection, timeout); `retryAfter` is what the server asked for.
    case transient(String, retryAfter: TimeInterval?)
    /// Never try again on its own (a 4xx other than 408/429: the message itself is refused).
    case permanent(String)

    /// The reason, for the queue and the logs.
    public var description: String {
        switch self {
        case .transient(let why, _): why
        case .permanent(let why): why
        }
    }
}

/// Somewhere results go: the regional centre (FHIR), the LIS (HL7 v2).
public protocol Destination: Sendable {
    /// The outbox's name for it: `centre`, `lis`.
    var name: String { get }
    /// Sends one result; returns a note for the audit log, or throws `DeliveryFailure`.
    func deliver(_ package: ResultPackage) async throws -> String
    /// What would be sent, exactly (`precis export`).
    func payload(_ package: ResultPackage) throws -> Data
    /// Whether it holds patients' records: then a training result is refused before sending.
    var production: Bool { get }
    /// Releases connections.
    func shutdown() async
}

extension Destination {
    /// Nothing to release.
    public func shutdown() async {}
    /// Production unless it says otherwise: a forgotten setting never lets a made-up result in.
    public var production: Bool { true }
}

/// When to try again: exponential backoff with jitter, capped, and never sooner than the
/// server's Retry-After.
public struct RetryPolicy: Sendable {
    /// The first delay.
    public var base: TimeInterval
    /// The longest delay.
    public var cap: TimeInterval
    /// How long a lease lasts before another uploader may take the entry over.
    public var lease: TimeInterval
    /// A random number in 0..<1 (tests give their own).
    public var random: @Sendable () -> Double

    /// Makes a policy: 30 s doubling to at most an hour, leases of two minutes.
    public init(base: TimeInterval = 30, cap: TimeInterval = 3600, lease: TimeInterval = 120,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.base = base
        self.cap = cap
        self.lease = lease
        self.random = random
    }

    /// The wait before attempt `attempts + 1`: min(cap, base·2^(attempts−1)) scaled by a random
    /// factor in [0.5, 1) ("equal jitter"), and at least `retryAfter`.
    public func delay(afterAttempts attempts: Int, retryAfter: TimeInterval?) -> TimeInterval {
        let exponential = min(cap, base * pow(2, Double(max(attempts - 1, 0))))
        let jittered = exponential * (0.5 + 0.5 * random())
        return max(jittered, min(retryAfter ?? 0, 24 * 3600))
    }
}

/// Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3), as seconds from `now`.
public enum RetryAfter {
    /// The seconds the header asks to wait, nil when it is absent or unreadable.
    public static func seconds(_ header: String?, now: Date) -> TimeInterval? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Int(header), seconds >= 0 { return TimeInterval(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
