import Foundation
import GRDB
import PrecisCore

/// One QC run as stored: which material lot, and a value per level.
public struct QCRunRecord: Sendable, Codable, Equatable {
    /// Row id; QC runs are numbered in time order.
    public var id: Int64
    /// The assay.
    public var assay: String
    /// The instrument.
    public var instrumentID: String
    /// The QC material lot.
    public var materialLot: String
    /// The assay run, when Precis measured it.
    public var runID: Int64?
    /// `instrument` or `manual`.
    public var source: String
    /// Who recorded it.
    public var operatorID: String
    /// When.
    public var at: String
    /// Values by level.
    public var values: [Int: Double]
}

/// A lock on an assay at an instrument after a QC rule rejected a run.
public struct QCLockout: Sendable, Codable, Equatable {
    /// Row id.
    public var id: Int64
    /// The assay locked.
    public var assay: String
    /// The instrument it is locked on.
    public var instrumentID: String
    /// The QC run that caused it.
    public var qcRunID: Int64
    /// The rejecting rules.
    public var rules: [String]
    /// JSON of the observations that broke them.
    public var detail: String
    /// When it was set.
    public var createdAt: String
    /// When a supervisor acknowledged it (nil while it holds).
    public var acknowledgedAt: String?
    /// The supervisor.
    public var acknowledgedBy: String?
    /// The supervisor's reason.
    public var reason: String?
}

/// What the QC rules decided about a new QC run.
public struct QCDecision: Sendable {
    /// The rejecting rules (empty: accepted).
    public var rejecting: [String]
    /// The warnings (1-2s).
    public var warnings: [String]
    /// JSON of the observations involved.
    public var detail: String

    /// Makes a decision.
    public init(rejecting: [String], warnings: [String], detail: String) {
        self.rejecting = rejecting
        self.warnings = warnings
        self.detail = detail
    }
}

extension Store {
    /// Stores a QC run and, in the same transaction, lets `judge` decide on the series it ends
    /// (every run of this assay, instrument and material lot, oldest first); a rejection locks
    /// the assay on the instrument. Everything is audited.
    public func recordQC(assay: String, instrumentID: String, materialLot: String, values: [Int: Double], unit: String,
                         runID: Int64?, operatorID: String, at: Date,
                         judge: ([QCRunRecord]) -> QCDecision) throws -> (run: QCRunRecord, decision: QCDecision, lockout: QCLockout?) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO qc_runs (assay, instrument_id, material_lot, run_id, source, operator, at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [assay, instrumentID, materialLot, runID, runID == nil ? "manual" : "instrument", operatorID,
                                 Timestamp.string(at)])
            let qcRunID = db.lastInsertedRowID
            for (level, value) in values.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT INTO qc_results (qc_run_id, level, value, unit) VALUES (?, ?, ?, ?)",
                               arguments: [qcRunID, level, value, unit])
            }
            let series = try Self.qcSeries(db, assay: assay, instrumentID: instrumentID, materialLot: materialLot)
            let decision = judge(series)
            try Self.audit(db, at: at, actor: operatorID, entity: "qc", entityID: String(qcRunID), action: "recorded",
                           detail: ["assay": assay, "instrument": instrumentID, "lot": materialLot,
                                    "values": values.sorted { $0.key < $1.key }.map { "L\($0.key)=\($0.value)" }.joined(separator: " "),
                                    "rules": (decision.rejecting + decision.warnings).joined(separator: ",")])
            var lockout: QCLockout?
            if !decision.rejecting.isEmpty {
                try db.execute(sql: """
                    INSERT INTO qc_lockouts (assay, instrument_id, qc_run_id, rules, detail, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [assay, instrumentID, qcRunID, decision.rejecting.joined(separator: ","), decision.detail,
                                     Timestamp.string(at)])
                let id = db.lastInsertedRowID
                try Self.audit(db, at: at, actor: "system", entity: "qc-lockout", entityID: String(id), action: "locked",
                               detail: ["assay": assay, "instrument": instrumentID, "rules": decision.rejecting.joined(separator: ",")])
                lockout = try Self.fetchLockouts(db, where: "id = ?", [id]).first
            }
            guard let run = series.last else { throw PrecisError(.storage, "QC run \(qcRunID) vanished") }
            return (run, decision, lockout)
        }
    }

    /// The lockouts still holding (for one assay and instrument, or all).
    public func openLockouts(assay: String? = nil, instrumentID: String? = nil) throws -> [QCLockout] {
        try read { db in
            var clause = "acknowledged_at IS NULL"
            var args: [any DatabaseValueConvertible] = []
            if let assay { clause += " AND assay = ?"; args.append(assay) }
            if let instrumentID { clause += " AND instrument_id = ?"; args.append(instrumentID) }
            return try Self.fetchLockouts(db, where: clause, args)
        }
    }

    /// Every lockout, newest first.
    public func lockouts() throws -> [QCLockout] {
        try read { db in try Self.fetchLockouts(db, where: "1", []).reversed() }
    }

    /// A supervisor lifts a lockout, with a reason that goes to the audit log.
    public func acknowledgeLockout(_ id: Int64, supervisor: String, reason: String, at: Date) throws -> QCLockout {
        try write { db in
            guard let lockout = try Self.fetchLockouts(db, where: "id = ?", [id]).first else {
                throw PrecisError(.notFound, "no QC lockout \(id)", hint: "`precis qc status` lists them")
            }
            guard lockout.acknowledgedAt == nil else {
                throw PrecisError(.conflict, "QC lockout \(id) was already acknowledged by \(lockout.acknowledgedBy ?? "?")")
            }
            try db.execute(sql: "UPDATE qc_lockouts SET acknowledged_at = ?, acknowledged_by = ?, reason = ? WHERE id = ?",
                           arguments: [Timestamp.string(at), supervisor, reason, id])
            try Self.audit(db, at: at, actor: supervisor, entity: "qc-lockout", entityID: String(id), action: "acknowledged",
                           detail: ["reason": reason, "assay": lockout.assay, "instrument": lockout.instrumentID])
            return try Self.fetchLockouts(db, where: "id = ?", [id])[0]
        }
    }

    /// The QC runs of one series, oldest first.
    public func qcSeries(assay: String, instrumentID: String, materialLot: String) throws -> [QCRunRecord] {
        try read { db in try Self.qcSeries(db, assay: assay, instrumentID: instrumentID, materialLot: materialLot) }
    }

    static func qcSeries(_ db: Database, assay: String, instrumentID: String, materialLot: String) throws -> [QCRunRecord] {
        let runs = try Row.fetchAll(db, sql: """
            SELECT * FROM qc_runs WHERE assay = ? AND instrument_id = ? AND material_lot = ? ORDER BY id
            """, arguments: [assay, instrumentID, materialLot])
        return try runs.map { row in
            let id: Int64 = row["id"]
            let values = try Row.fetchAll(db, sql: "SELECT level, value FROM qc_results WHERE qc_run_id = ?", arguments: [id])
            return QCRunRecord(id: id, assay: row["assay"], instrumentID: row["instrument_id"], materialLot: row["material_lot"],
                               runID: row["run_id"], source: row["source"], operatorID: row["operator"], at: row["at"],
                               values: Dictionary(uniqueKeysWithValues: values.map { ($0["level"] as Int, $0["value"] as Double) }))
        }
    }

    static func fetchLockouts(_ db: Database, where clause: String, _ args: [any DatabaseValueConvertible]) throws -> [QCLockout] {
        try Row.fetchAll(db, sql: "SELECT * FROM qc_lockouts WHERE \(clause) ORDER BY id", arguments: StatementArguments(args)).map {
            let rules: String = $0["rules"]
            return QCLockout(id: $0["id"], assay: $0["assay"], instrumentID: $0["instrument_id"], qcRunID: $0["qc_run_id"],
                             rules: rules.split(separator: ",").map(String.init), detail: $0["detail"], createdAt: $0["created_at"],
                             acknowledgedAt: $0["acknowledged_at"], acknowledgedBy: $0["acknowledged_by"], reason: $0["reason"])
        }
    }
}
