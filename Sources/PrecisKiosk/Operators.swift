import Foundation
import PrecisCore
import PrecisRuntime
import PrecisStore

/// What an operator may do: an `operator` runs samples; a `supervisor` also lifts QC
/// lockouts and voids results.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Runs samples, retries uploads.
    case `operator`
    /// Also lifts QC lockouts and voids results.
    case supervisor

    /// Whether this role may do what `needed` may.
    func covers(_ needed: Role) -> Bool { self == .supervisor || needed == .operator }
}

/// The kiosk's operators over the store: adding them, and signing in with the rate limit.
public struct Operators: Sendable {
    let store: Store
    let configuration: KioskConfiguration
    let clock: @Sendable () -> Date

    /// Operators over `store`.
    public init(store: Store, configuration: KioskConfiguration = KioskConfiguration(),
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.configuration = configuration
        self.clock = clock
    }

    /// Adds an operator (or sets a new role and PIN); the PIN is kept only as a salted slow hash.
    public func add(id: String, role: Role, pin: String, actor: String) throws {
        let id = try Identifiers.validate(id, as: "operator id")
        try PINHash.validate(pin)
        let hashed = try PINHash.make(pin: pin, iterations: configuration.pinIterations)
        try store.saveOperator(OperatorRecord(id: id, role: role.rawValue, salt: hashed.salt,
                                              iterations: configuration.pinIterations, hash: hashed.hash),
                               actor: actor, at: clock())
    }

    /// Checks `pin` for `id`. Refuses with 429 while `maxFailedSignIns` wrong PINs in a row
    /// are younger than `signInLockout`, and with 401 for an unknown id or a wrong PIN (the
    /// same answer, so ids cannot be probed). Every attempt is stored and audited.
    public func signIn(id rawID: String, pin: String) throws -> (id: String, role: Role) {
        guard let id = try? Identifiers.validate(rawID, as: "operator id") else {
            throw APIError(401, "operator id or PIN not recognised")
        }
        let attempt: Int64
        switch try store.beginSignIn(operatorID: id, maxFailed: configuration.maxFailedSignIns,
                                     lockout: Self.seconds(configuration.signInLockout), at: clock()) {
        case .success(let id): attempt = id
        case .failure(let locked):
            let seconds = max(1, Int(locked.until.timeIntervalSince(clock()).rounded(.up)))
            throw APIError(429, "too many wrong PINs for \(id): sign-in is locked for \(seconds) s, or ask a supervisor",
                           headers: ["Retry-After": String(seconds)])
        }
        let record = try store.operatorRecord(id)
        guard let record, let role = Role(rawValue: record.role), PINHash.verify(pin: pin, against: record) else {
            try store.finishSignIn(attempt, operatorID: id, ok: false, at: clock())
            throw APIError(401, "operator id or PIN not recognised")
        }
        try store.finishSignIn(attempt, operatorID: id, ok: true, at: clock())
        return (id, role)
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        TimeInterval(d.components.seconds) + TimeInterval(d.components.attoseconds) / 1e18
    }
}
