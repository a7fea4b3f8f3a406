import Foundation
import GRDB
import PrecisCore

extension Store {
    /// Records that an instrument was seen, creating or refreshing its row.
    public func saveInstrument(_ identity: DeviceIdentity, endpoint: String, at: Date) throws {
        try write { db in
            let when = Timestamp.string(at)
            let existing = try Row.fetchOne(db, sql: "SELECT firmware, instrument_calibration_id, model FROM instruments WHERE id = ?",
                                            arguments: [identity.instrumentID])
            try db.execute(sql: """
                INSERT INTO instruments (id, family, serial, firmware, instrument_calibration_id, model, endpoint, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET firmware = excluded.firmware,
                    instrument_calibration_id = excluded.instrument_calibration_id, model = excluded.model,
                    endpoint = excluded.endpoint, last_seen = excluded.last_seen
                """, arguments: [identity.instrumentID, identity.family.name, identity.serial, identity.firmware,
                                 identity.instrumentCalibrationID, identity.model, endpoint, when, when])
            let oldFirmware: String? = existing?["firmware"]
            let oldCalibration: String? = existing?["instrument_calibration_id"], oldModel: String? = existing?["model"]
            // Every change of what the audit digests is audited (the address and last sighting are not digested).
            if existing == nil || oldFirmware != identity.firmware || oldCalibration != identity.instrumentCalibrationID
                || oldModel != identity.model {
                try Self.audit(db, at: at, actor: "system", entity: "instrument", entityID: identity.instrumentID,
                               action: existing == nil ? "registered" : oldFirmware != identity.firmware ? "firmware changed"
                                   : "calibration or model changed",
                               detail: ["firmware": identity.firmware, "endpoint": endpoint])
            }
        }
    }

    /// Stores a lot calibration as loaded (once per distinct file content); returns its row id.
    public func saveCalibration(_ lot: CalibrationLot, content: String, sha256: String, at: Date) throws -> Int64 {
        try write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM calibrations WHERE sha256 = ?", arguments: [sha256]) {
                return id
            }
            try db.execute(sql: """
                INSERT INTO calibrations (lot, assay, version, sha256, expiry, content, loaded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [lot.lot, lot.assay, lot.version, sha256, lot.expiry.description, content, Timestamp.string(at)])
            let id = db.lastInsertedRowID
            try Self.audit(db, at: at, actor: "system", entity: "calibration", entityID: String(id), action: "loaded",
                           detail: ["lot": lot.lot, "version": String(lot.version), "sha256": sha256])
            return id
        }
    }

    /// Starts a run: a RUNNING row and its audit entry.
    public func beginRun(_ run: NewRun, at: Date) throws -> RunRecord {
        try write { db in
            let uid = UUID().uuidString.lowercased()
            try db.execute(sql: """
                INSERT INTO runs (uid, sample_id, patient_id, assay, instrument_id, endpoint, calibration_id, cartridge_id,
                                  operator, owner, status, started_at, training, kind)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?)
                """, arguments: [uid, run.sampleID, run.patientID, run.assay, run.instrument.instrumentID, run.endpoint,
                                 run.calibrationID, run.cartridgeID, run.operatorID, run.owner, Timestamp.string(at), run.training,
                                 run.kind.rawValue])
            let id = db.lastInsertedRowID
            var detail = ["sample": run.sampleID, "assay": run.assay, "instrument": run.instrument.instrumentID]
            if run.kind != .strip { detail["kind"] = run.kind.rawValue }
            if run.training { detail["training"] = "simulated or replayed" }
            try Self.audit(db, at: at, actor: run.operatorID, entity: "run", entityID: String(id), action: "started",
                           detail: detail)
            if let sequencing = run.sequencing {
                try Self.insertSequencingDetail(db, runID: id, sequencing, at: at, actor: run.operatorID)
            }
            guard let record = try Self.fetchRun(db, id: id) else { throw PrecisError(.storage, "run \(id) vanished") }
            return record
        }
    }

    /// Ends a run as ABORTED, keeping whatever raw data arrived.
    public func abortRun(_ id: Int64, error: PrecisError, partial: RawTrace?, linkReport: String?, at: Date,
                         actor: String = "system") throws {
        try write { db in
            if let partial { try Self.insertTrace(db, runID: id, trace: partial, at: at, actor: actor) }
            try Self.setStatus(db, runID: id, to: .aborted, at: at, actor: actor, error: error, linkReport: linkReport,
                               detail: ["readings": String(partial?.profile.count ?? 0)])
        }
    }

    /// Ends a run with its raw data, its result and one outbox entry per destination, in one
    /// transaction: either all of it is stored or none.
    public func completeRun(_ id: Int64, raw: RawTrace, result: NewResult, destinations: [String],
                            linkReport: String?, at: Date, actor: String) throws -> CompletedRun {
        try write { db in
            try Self.insertTrace(db, runID: id, trace: raw, at: at, actor: actor)
            let completed = try Self.insertQueued(db, runID: id, result: result, rawDataID: nil, destinations: destinations,
                                                  at: at, actor: actor)
            try Self.setStatus(db, runID: id, to: result.status == .invalid ? .invalid : .completed, at: at,
                               actor: actor, error: nil, linkReport: linkReport, detail: ["result": String(completed.result.id)])
            return completed
        }
    }

    /// Ends a run with everything its procedure produced, in one transaction: its raw data, its
    /// results (each naming the raw data it came from) and one outbox entry per result and
    /// destination (and, for a result with raw data, `fileDestinations` first: the data goes
    /// before the messages that point at it). The run ends INVALID when no result is valid, else COMPLETED.
    public func completeRun(_ id: Int64, raw: [NewRawData], results: [NewResult], destinations: [String],
                            fileDestinations: [String] = [], linkReport: String?, at: Date, actor: String) throws -> [CompletedRun] {
        try write { db in
            var rawIDs: [Int64] = []
            for data in raw { rawIDs.append(try Self.insertRawData(db, runID: id, data: data, at: at, actor: actor)) }
            let completed = try results.map { result in
                let rawID = try result.rawDataIndex.map { index -> Int64 in
                    guard rawIDs.indices.contains(index) else { throw PrecisError(.storage, "a result names raw data \(index) of \(rawIDs.count)") }
                    return rawIDs[index]
                }
                return try Self.insertQueued(db, runID: id, result: result, rawDataID: rawID, destinations: destinations,
                                             fileDestinations: rawID == nil ? [] : fileDestinations, at: at, actor: actor)
            }
            let valid = results.contains { $0.status != .invalid }
            try Self.setStatus(db, runID: id, to: valid ? .completed : .invalid, at: at, actor: actor, error: nil,
                               linkReport: linkReport, detail: ["results": String(results.count), "raw data": String(raw.count)])
            return completed
        }
    }

    /// Stores one result of a run and queues it for every destination: the file destinations at
    /// stage 0, the message destinations after them (stage 1) when there are any.
    static func insertQueued(_ db: Database, runID: Int64, result: NewResult, rawDataID: Int64?, destinations: [String],
                             fileDestinations: [String] = [], at: Date, actor: String) throws -> CompletedRun {
        let resultID = try insertResult(db, runID: runID, result: result, at: at, actor: actor, rawDataID: rawDataID)
        let messageStage = fileDestinations.isEmpty ? 0 : 1
        let outbox = try fileDestinations.map { try enqueue(db, resultID: resultID, destination: $0, stage: 0, at: at) }
            + destinations.map { try enqueue(db, resultID: resultID, destination: $0, stage: messageStage, at: at) }
        guard let stored = try fetchResult(db, id: resultID) else { throw PrecisError(.storage, "result \(resultID) vanished") }
        return CompletedRun(result: stored, outbox: outbox)
    }

    /// Ends a run as ABORTED, keeping whatever raw data of its kind arrived.
    public func abortRun(_ id: Int64, error: PrecisError, partial: [NewRawData], linkReport: String?, at: Date,
                         actor: String = "system") throws {
        try write { db in
            for data in partial { _ = try Self.insertRawData(db, runID: id, data: data, at: at, actor: actor) }
            try Self.setStatus(db, runID: id, to: .aborted, at: at, actor: actor, error: error, linkReport: linkReport,
                               detail: ["raw data": String(partial.count)])
        }
    }

    static func setStatus(_ db: Database, runID: Int64, to status: RunStatus, at: Date, actor: String,
                          error: PrecisError?, linkReport: String?, detail: [String: String]) throws {
        guard let run = try fetchRun(db, id: runID) else { throw PrecisError(.storage, "no run \(runID)") }
        guard run.status == .running else {
            throw PrecisError(.storage, "run \(runID) already ended as \(run.status)")
        }
        try db.execute(sql: """
            UPDATE runs SET status = ?, ended_at = ?, error_kind = ?, error_message = ?, link_report = ? WHERE id = ?
            """, arguments: [status, Timestamp.string(at), error?.kind.rawValue, error?.message, linkReport, runID])
        var detail = detail
        if let error { detail["error"] = error.message }
        try audit(db, at: at, actor: actor, entity: "run", entityID: String(runID),
                  action: "status \(run.status) -> \(status)", detail: detail)
    }
}
