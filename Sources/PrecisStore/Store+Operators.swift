import Foundation
import GRDB
import PrecisCore

/// An operator of the kiosk as stored: the PIN only as a salted slow hash.
public struct OperatorRecord: Sendable, Equatable {
    /// The operator id (what they type to sign in).
    public var id: String
    /// `operator` or `supervisor`.
    public var role: String
    /// The PBKDF2 salt.
    public var salt: [UInt8]
    /// The PBKDF2 iteration count.
    public var iterations: Int
    /// PBKDF2-HMAC-SHA256(PIN, salt, iterations).
    public var hash: [UInt8]

    /// Makes a record.
    public init(id: String, role: String, salt: [UInt8], iterations: Int, hash: [UInt8]) {
        self.id = id
        self.role = role
        self.salt = salt
        self.iterations = iterations
        self.hash = hash
    }
}

extension Store {
    /// Adds an operator, or replaces the role and PIN of an existing one; audited (never the PIN).
    public func saveOperator(_ record: OperatorRecord, actor: String, at: Date) throws {
        try write { db in
            let when = Timestamp.string(at)
            let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM operators WHERE id = ?", arguments: [record.id]) ?? false
            try db.execute(sql: """
                INSERT INTO operators (id, role, pin_salt, pin_iterations, pin_hash, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET role = excluded.role, pin_salt = excluded.pin_salt,
                    pin_iterations = excluded.pin_iterations, pin_hash = excluded.pin_hash, updated_at = excluded.updated_at
                """, arguments: [record.id, record.role, Data(record.salt), record.iterations, Data(record.hash), when, when])
            try Self.audit(db, at: at, actor: actor, entity: "operator", entityID: record.id,
                           action: existed ? "PIN or role changed" : "added", detail: ["role": record.role])
        }
    }

    /// The operator with `id`, or nil.
    public func operatorRecord(_ id: String) throws -> OperatorRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM operators WHERE id = ?", arguments: [id]).map { row in
                let salt: Data = row["pin_salt"], hash: Data = row["pin_hash"]
                return OperatorRecord(id: row["id"], role: row["role"], salt: [UInt8](salt), iterations: row["pin_iterations"],
                                      hash: [UInt8](hash))
            }
        }
    }

    /// Every operator id with its role, sorted.
    public func operatorRoles() throws -> [(id: String, role: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, role FROM operators ORDER BY id").map { row -> (id: String, role: String) in (row["id"], row["role"]) }
        }
    }

    /// Takes a sign-in attempt for `operatorID`, or refuses it while it is locked, in one write
    /// transaction: the lock is checked and the attempt stored (as failed until `finishSignIn`
    /// says otherwise) before any PIN is checked, so parallel attempts cannot all pass the check
    /// at once and test more PINs than `maxFailed`. Returns the attempt's id, or when the lock
    /// ends. The table stays bounded: per id only the newest `maxFailed` attempts are kept
    /// (all the lock looks at), attempts older than a day go, and at most `Self.signInRows`
    /// remain (ids that are no operator's, tried by a script, cannot fill the disk).
    public func beginSignIn(operatorID: String, maxFailed: Int, lockout: TimeInterval, at: Date) throws
        -> Result<Int64, SignInLocked> {
        try write { db in
            let recent = try Row.fetchAll(db, sql: "SELECT ok, at FROM signin_attempts WHERE operator_id = ? ORDER BY id DESC LIMIT ?",
                                          arguments: [operatorID, maxFailed])
            if recent.count == maxFailed, recent.allSatisfy({ !($0["ok"] as Bool) }),
               let newest = Timestamp.date(recent[0]["at"]), newest.addingTimeInterval(lockout) > at {
                return .failure(SignInLocked(until: newest.addingTimeInterval(lockout)))
            }
            try db.execute(sql: "INSERT INTO signin_attempts (operator_id, ok, at) VALUES (?, 0, ?)",
                           arguments: [operatorID, Timestamp.string(at)])
            let id = db.lastInsertedRowID
            try db.execute(sql: """
                DELETE FROM signin_attempts WHERE (operator_id = ?1 AND id NOT IN
                    (SELECT id FROM signin_attempts WHERE operator_id = ?1 ORDER BY id DESC LIMIT ?2))
                    OR at < ?3 OR id <= ?4
                """, arguments: [operatorID, maxFailed, Timestamp.string(at.addingTimeInterval(-max(lockout, 86_400))), id - Int64(Self.signInRows)])
            return .success(id)
        }
    }

    /// The most sign-in attempts kept in all (for every id, known or not).
    public static let signInRows = 100_000

    /// How often a refused sign-in for an id that is no operator's is audited, in seconds.
    public static let unknownSignInAuditWindow: TimeInterval = 300

    /// Settles attempt `attempt` (from `beginSignIn`) as `ok` or refused, and audits it. Every
    /// sign-in and every refusal for an operator's id is its own audit entry (the lock bounds
    /// the refusals to `maxFailed` per lockout). Refusals for ids that are no operator's are
    /// not: the first in each `unknownSignInAuditWindow` is an entry for the id `unknown`
    /// (never the text typed, which may be a name), saying how many came since the last such
    /// entry; the count waits in `signin_unknown_tally` until then.
    public func finishSignIn(_ attempt: Int64, operatorID: String, ok: Bool, at: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE signin_attempts SET ok = ? WHERE id = ?", arguments: [ok, attempt])
            let known = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM operators WHERE id = ?)", arguments: [operatorID]) ?? false
            guard !ok, !known else {
                try Self.audit(db, at: at, actor: operatorID, entity: "operator", entityID: operatorID,
                               action: ok ? "signed in" : "sign-in refused")
                return
            }
            let tally = try Row.fetchOne(db, sql: "SELECT last_audited, unaudited FROM signin_unknown_tally WHERE id = 1")
            if let tally, let last = Timestamp.date(tally["last_audited"]), last.addingTimeInterval(Self.unknownSignInAuditWindow) > at {
                try db.execute(sql: "UPDATE signin_unknown_tally SET unaudited = unaudited + 1 WHERE id = 1")
                return
            }
            let earlier: Int = tally?["unaudited"] ?? 0
            try Self.audit(db, at: at, actor: "unknown", entity: "operator", entityID: "unknown",
                           action: "sign-in refused: no operator has this id",
                           detail: earlier > 0 ? ["refusals not logged one by one since the last such entry": String(earlier)] : [:])
            try db.execute(sql: "INSERT OR REPLACE INTO signin_unknown_tally (id, last_audited, unaudited) VALUES (1, ?, 0)",
                           arguments: [Timestamp.string(at)])
        }
    }

    /// Appends an audit entry on its own (sign-out, a kiosk event worth keeping).
    public func appendAudit(actor: String, entity: String, entityID: String, action: String,
                            detail: [String: String] = [:], at: Date) throws {
        try write { db in
            try Self.audit(db, at: at, actor: actor, entity: entity, entityID: entityID, action: action, detail: detail)
        }
    }

    /// Voids the current result of run `runID`: a NEW result row with status VOID that
    /// supersedes it (the original is never changed), and an audit entry with the reason.
    public func voidResult(runID: Int64, resultID: Int64? = nil, supervisor: String, reason: String, at: Date) throws -> ResultRecord {
        try write { db in
            let current: ResultRecord
            if let resultID {
                guard let named = try Self.fetchResult(db, id: resultID), named.runID == runID else {
                    throw PrecisError(.notFound, "run \(runID) has no result \(resultID)")
                }
                if let later = try Int64.fetchOne(db, sql: "SELECT id FROM results WHERE supersedes_id = ?", arguments: [resultID]) {
                    throw PrecisError(.conflict, "result \(resultID) was superseded by result \(later): void the current one")
                }
                current = named
            } else {
                let samples = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT COALESCE(sample_id, '')) FROM results WHERE run_id = ?",
                                               arguments: [runID]) ?? 0
                guard samples <= 1 else {
                    throw PrecisError(.input, "run \(runID) holds the results of \(samples) samples: name the result to void")
                }
                guard let currentID = try Int64.fetchOne(db, sql: "SELECT id FROM results WHERE run_id = ? ORDER BY id DESC LIMIT 1",
                                                         arguments: [runID]),
                      let newest = try Self.fetchResult(db, id: currentID) else {
                    throw PrecisError(.notFound, "run \(runID) has no result to void")
                }
                current = newest
            }
            guard current.status != .void else { throw PrecisError(.conflict, "result \(current.id) of run \(runID) is already void") }
            // The void names the same sample, patient, method and specimen: on a plate it replaces
            // that sample's result, no other.
            let void = NewResult(status: .void, analyte: current.analyte,
                                 loinc: Coding(code: current.loincCode, display: current.loincDisplay, system: current.codeSystem), concentration: nil,
                                 unit: current.unit, decimals: current.decimals, flags: current.flags, response: current.response,
                                 analysisJSON: current.analysisJSON, referenceRange: current.referenceRange, reason: reason,
                                 sampleID: current.sampleID, patientID: current.patientID, method: current.method,
                                 specimen: current.specimen)
            let id = try Self.insertResult(db, runID: runID, result: void, at: at, actor: supervisor, supersedes: current.id,
                                           rawDataID: current.rawDataID)
            try Self.audit(db, at: at, actor: supervisor, entity: "result", entityID: String(current.id), action: "voided",
                           detail: ["reason": reason, "run": String(runID), "void_record": String(id)])
            try Self.holdVoided(db, resultID: current.id, supervisor: supervisor, at: at)
            guard let stored = try Self.fetchResult(db, id: id) else { throw PrecisError(.storage, "result \(id) vanished") }
            return stored
        }
    }

    /// The voided result's entries not yet sent stop: `failed` with the reason, audited, and
    /// never retried. (Telling a destination about a result it already has is not done yet.)
    static func holdVoided(_ db: Database, resultID: Int64, supervisor: String, at: Date) throws {
        let when = Timestamp.string(at)
        let ids = try Int64.fetchAll(db, sql: "SELECT id FROM outbox WHERE result_id = ? AND state IN ('pending', 'failed')",
                                     arguments: [resultID])
        for id in ids {
            try db.execute(sql: "UPDATE outbox SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?",
                           arguments: ["result voided by \(supervisor): not sent", when, id])
            try audit(db, at: at, actor: supervisor, entity: "outbox", entityID: String(id), action: "held: result voided")
        }
    }
}
