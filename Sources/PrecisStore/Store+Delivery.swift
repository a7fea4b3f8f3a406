import Foundation
import GRDB
import PrecisCore

/// An instrument as stored.
public struct InstrumentRecord: Sendable, Codable, Equatable {
    /// `family:serial`.
    public var id: String
    /// The family.
    public var family: String
    /// The serial number.
    public var serial: String
    /// The firmware version last seen.
    public var firmware: String
    /// The instrument calibration id last seen.
    public var instrumentCalibrationID: String?
    /// The model.
    public var model: String?
}

/// Everything a destination needs to send one result: the run, the result, the instrument,
/// the lot, and the outbox entry being delivered.
public struct ResultPackage: Sendable, Equatable {
    /// The outbox entry.
    public var entry: OutboxEntry
    /// The run.
    public var run: RunRecord
    /// The result.
    public var result: ResultRecord
    /// The instrument.
    public var instrument: InstrumentRecord
    /// The lot and version of the calibration used, when there was one.
    public var lot: (lot: String, version: Int)?
    /// The audit chain's head when the package was put together: the delivery carries it,
    /// and once the destination takes the delivery the store keeps it as acknowledged.
    public var auditHead: AuditHead?
    /// The raw data the result came from, when it names one (a sequencing run's reads file).
    public var rawData: RawDataRecord? = nil
    /// The raw data's object in the centre's S3 inbox, once it is there whole.
    public var inbox: InboxUpload? = nil

    /// The result's sample: its own on a run of several (a plate), else the run's.
    public var sampleID: String { result.sampleID ?? run.sampleID }
    /// The sample's pseudonymous patient, when known.
    public var patientID: String? { result.sampleID == nil ? run.patientID : result.patientID }

    /// Equal when the same entry, run, result and instrument (whatever the audit head).
    public static func == (lhs: ResultPackage, rhs: ResultPackage) -> Bool {
        lhs.entry == rhs.entry && lhs.run == rhs.run && lhs.result == rhs.result && lhs.instrument == rhs.instrument
            && lhs.lot?.lot == rhs.lot?.lot && lhs.lot?.version == rhs.lot?.version
    }
}

extension Store {
    /// Leases up to `limit` entries for `destination` that are due at `now` — pending ones, and
    /// in-flight ones whose lease ran out (their uploader died) — for `lease`; an entry whose
    /// result still has an undelivered entry of a lower stage (the data it points at) waits. Each attempt is
    /// counted and audited. Only the lease holder may then settle an entry.
    public func claimDue(destination: String, owner: String, now: Date, lease: TimeInterval, limit: Int) throws -> [OutboxEntry] {
        try write { db in
            let when = Timestamp.string(now)
            let ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM outbox WHERE destination = ? AND (
                    (state = 'pending' AND next_attempt_at <= ?) OR (state = 'in_flight' AND lease_expires_at <= ?))
                AND NOT EXISTS (SELECT 1 FROM outbox earlier WHERE earlier.result_id = outbox.result_id
                                AND earlier.stage < outbox.stage AND earlier.state <> 'delivered')
                ORDER BY next_attempt_at, id LIMIT ?
                """, arguments: [destination, when, when, limit])
            for id in ids {
                try db.execute(sql: """
                    UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?,
                                      updated_at = ? WHERE id = ?
                    """, arguments: [owner, Timestamp.string(now.addingTimeInterval(lease)), when, id])
                try Self.audit(db, at: now, actor: owner, entity: "outbox", entityID: String(id), action: "leased",
                               detail: ["destination": destination])
            }
            return try ids.isEmpty ? [] : Self.fetchOutbox(db, where: "o.id IN (\(ids.map(String.init).joined(separator: ",")))", [])
        }
    }

    /// Extends `owner`'s lease on entry `id` to `now + lease`, just before it is sent. False when
    /// the entry is no longer `owner`'s — its lease ran out while earlier entries of the same
    /// claim were being sent, and another uploader took it over — and then it must not be sent.
    /// (Not audited: the entry's state does not change.)
    public func renewLease(_ id: Int64, owner: String, now: Date, lease: TimeInterval) throws -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE outbox SET lease_expires_at = ?, updated_at = ?
                WHERE id = ? AND state = 'in_flight' AND lease_owner = ?
                """, arguments: [Timestamp.string(now.addingTimeInterval(lease)), Timestamp.string(now), id, owner])
            return db.changesCount == 1
        }
    }

    /// The centre took the result: the entry is delivered, and `head` (the audit head the
    /// delivery carried) is kept as the newest head its destination acknowledged. Ignored
    /// (false) when `owner` no longer holds the lease.
    @discardableResult
    public func markDelivered(_ id: Int64, owner: String, at: Date, note: String, head: AuditHead? = nil) throws -> Bool {
        try settle(id, owner: owner, at: at, state: .delivered, nextAttempt: nil, error: nil, action: "delivered", note: note,
                   head: head)
    }

    /// The attempt failed for now: back to pending, due again at `next`.
    @discardableResult
    public func markRetry(_ id: Int64, owner: String, at: Date, error: String, next: Date) throws -> Bool {
        try settle(id, owner: owner, at: at, state: .pending, nextAttempt: next, error: error, action: "retry later", note: error)
    }

    /// The destination refused the result for good (a 4xx other than 408/429): failed.
    @discardableResult
    public func markFailed(_ id: Int64, owner: String, at: Date, error: String) throws -> Bool {
        try settle(id, owner: owner, at: at, state: .failed, nextAttempt: nil, error: error, action: "failed permanently", note: error)
    }

    private func settle(_ id: Int64, owner: String, at: Date, state: OutboxState, nextAttempt: Date?, error: String?,
                        action: String, note: String, head: AuditHead? = nil) throws -> Bool {
        try write { db in
            let when = Timestamp.string(at)
            try db.execute(sql: """
                UPDATE outbox SET state = ?, last_error = COALESCE(?, last_error), next_attempt_at = COALESCE(?, next_attempt_at),
                                  delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END,
                                  lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
                WHERE id = ? AND state = 'in_flight' AND lease_owner = ?
                """, arguments: [state, error, nextAttempt.map(Timestamp.string), state, when, when, id, owner])
            guard db.changesCount == 1 else { return false }
            var detail = ["note": String(note.prefix(300))]
            if let head, let destination = try String.fetchOne(db, sql: "SELECT destination FROM outbox WHERE id = ?", arguments: [id]) {
                try Self.recordAcknowledged(db, destination: destination, head: head, at: at)
                detail["head"] = head.text
            }
            try Self.audit(db, at: at, actor: owner, entity: "outbox", entityID: String(id), action: action, detail: detail)
            return true
        }
    }

    /// Sends a failed entry again: back to pending, due now (`precis queue retry ID`).
    public func retryOutbox(_ id: Int64, actor: String, at: Date) throws -> OutboxEntry {
        try write { db in
            guard let entry = try Self.fetchOutbox(db, where: "o.id = ?", [id]).first else {
                throw PrecisError(.notFound, "no outbox entry \(id)", hint: "`precis queue --all` lists them")
            }
            guard entry.state == .failed || entry.state == .pending else {
                throw PrecisError(.conflict, "outbox entry \(id) is \(entry.state); only failed or pending entries are retried")
            }
            let voided = try Int64.fetchOne(db, sql: "SELECT id FROM results WHERE supersedes_id = ? AND status = 'VOID'",
                                            arguments: [entry.resultID])
            guard voided == nil else {
                throw PrecisError(.conflict, "outbox entry \(id) carries a voided result; it is not sent again")
            }
            let when = Timestamp.string(at)
            try db.execute(sql: "UPDATE outbox SET state = 'pending', next_attempt_at = ?, updated_at = ? WHERE id = ?",
                           arguments: [when, when, id])
            try Self.audit(db, at: at, actor: actor, entity: "outbox", entityID: String(id), action: "retry requested")
            return try Self.fetchOutbox(db, where: "o.id = ?", [id])[0]
        }
    }

    /// Everything needed to send an outbox entry.
    public func package(for entry: OutboxEntry) throws -> ResultPackage {
        try read { db in
            guard let run = try Self.fetchRun(db, id: entry.runID), let result = try Self.fetchResult(db, id: entry.resultID),
                  let row = try Row.fetchOne(db, sql: "SELECT * FROM instruments WHERE id = ?", arguments: [run.instrumentID]) else {
                throw PrecisError(.storage, "outbox entry \(entry.id) points at a run or result that is not there")
            }
            let instrument = InstrumentRecord(id: row["id"], family: row["family"], serial: row["serial"], firmware: row["firmware"],
                                              instrumentCalibrationID: row["instrument_calibration_id"], model: row["model"])
            let lot = try run.calibrationID.flatMap { id in
                try Row.fetchOne(db, sql: "SELECT lot, version FROM calibrations WHERE id = ?", arguments: [id])
            }.map { ($0["lot"] as String, $0["version"] as Int) }
            let raw = try result.rawDataID.flatMap { id in try Self.fetchRawData(db, runID: run.id).first { $0.id == id } }
            return ResultPackage(entry: entry, run: run, result: result, instrument: instrument, lot: lot,
                                 auditHead: try Self.sentHead(db, outboxID: entry.id) ?? Self.auditHead(db), rawData: raw,
                                 inbox: try Self.fetchInboxObject(db, resultID: result.id))
        }
    }

    /// The head a delivered entry carried when it was delivered (so that `precis export` and
    /// a resend show exactly what was sent); nil for an entry not delivered.
    static func sentHead(_ db: Database, outboxID: Int64) throws -> AuditHead? {
        guard try OutboxState.fetchOne(db, sql: "SELECT state FROM outbox WHERE id = ?", arguments: [outboxID]) == .delivered,
              let detail = try String.fetchOne(db, sql: """
                  SELECT detail FROM audit_log WHERE entity = 'outbox' AND entity_id = ? AND action = 'delivered'
                  ORDER BY id DESC LIMIT 1
                  """, arguments: [String(outboxID)]),
              let object = try? JSONDecoder().decode([String: String].self, from: Data(detail.utf8)),
              let head = object["head"] else { return nil }
        return AuditHead(text: head)
    }

    /// The package of run `runID`'s current result, for showing what would be sent
    /// (`precis export`); its outbox entry is the run's first for `destination` (any when nil,
    /// or when it has none for it), or a stand-in when it has none at all. A delivered entry
    /// carries the audit head it was delivered with, so the export is what was sent.
    /// On a run of several results (a plate) `resultID` names the one; without it, the run's newest.
    public func package(forRun runID: Int64, result resultID: Int64? = nil, destination: String? = nil) throws -> ResultPackage {
        let chosen = try resultID.map { id in try results(forRun: runID).first { $0.id == id } } ?? result(forRun: runID)
        guard let result = chosen, let run = try run(runID) else {
            if let resultID {
                throw PrecisError(.notFound, "run \(runID) has no result \(resultID)", hint: "`precis results show \(runID)` lists its results")
            }
            throw PrecisError(.input, "run \(runID) has no result to send", hint: "`precis results` lists the runs")
        }
        let entries = try outbox(forResult: result.id)
        let entry = entries.first { $0.destination == destination } ?? entries.first ?? OutboxEntry(
            id: 0, resultID: result.id, runID: runID, sampleID: run.sampleID, destination: "export", state: .pending, attempts: 0,
            nextAttemptAt: result.createdAt, lastError: nil, createdAt: result.createdAt, updatedAt: result.createdAt, deliveredAt: nil,
            training: run.training)
        return try package(for: entry)
    }

    /// The outbox entries of one run (for `export`).
    public func outbox(forRun runID: Int64) throws -> [OutboxEntry] {
        try read { db in try Self.fetchOutbox(db, where: "r.run_id = ?", [runID]) }
    }
}
