import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore

/// Somewhere results go: the regional centre (FHIR), the LIS (HL7 v2).
public protocol Destination: Sendable {
    /// The outbox's name for it: `centre`, `lis`.
    var name: String { get }
    /// Sends one result; returns a note for the audit log, or throws `DeliveryFailure`.
    func deliver(_ package: ResultPackage) async throws -> String
    /// Sends one result that may take longer than a lease (a large file): `keepAlive` renews the
    /// lease and says false when the entry was taken over (then the send must stop).
    func deliver(_ package: ResultPackage, keepAlive: @Sendable () throws -> Bool) async throws -> String
    /// What would be sent, exactly (`precis export`).
    func payload(_ package: ResultPackage) throws -> Data
    /// Whether it holds patients' records: then a training result is refused before sending.
    var production: Bool { get }
    /// Releases connections.
    func shutdown() async
}

extension Destination {
    /// A message is sent within one lease.
    public func deliver(_ package: ResultPackage, keepAlive: @Sendable () throws -> Bool) async throws -> String {
        try await deliver(package)
    }
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
