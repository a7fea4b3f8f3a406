import Foundation
import GRDB
import PrecisCore

/// A sequencing run as the store keeps it.
public struct SequencingRunRecord: Sendable, Codable, Equatable {
    /// Row id.
    public var id: Int64
    /// Globally unique id (also the BLOW5 header's `precis_run_id`).
    public var uid: String
    /// Pseudonymous sample id.
    public var sampleID: String
    /// `nps:SERIAL`.
    public var instrumentID: String
    /// The flow cell.
    public var flowCellID: String?
    /// RUNNING, COMPLETED or ABORTED.
    public var status: String
    /// When it started and ended (ISO 8601).
    public var startedAt: String
    /// When it ended.
    public var endedAt: String?
    /// The BLOW5 file with the reads.
    public var readsPath: String
    /// Totals.
    public var totals: SequencingTotals
    /// Comma-separated flags (data-loss, overflow, corrupt-packets).
    public var flags: String
    /// Why it was aborted.
    public var errorMessage: String?
    /// A run on a simulated or replayed sequencer: its reads are not a patient's.
    public var training: Bool = false
}

/// What a sequencing run produced and lost.
public struct SequencingTotals: Sendable, Codable, Equatable {
    /// Reads written.
    public var reads = 0
    /// Samples taken off the bus, all channels.
    public var samples: Int64 = 0
    /// Samples inside reads.
    public var readSamples: Int64 = 0
    /// Events found in the reads.
    public var events: Int64 = 0
    /// Stream packets lost before the host (sequence gaps).
    public var lostPackets: Int64 = 0
    /// Sample frames lost (per channel), from the packets' first-sample indices.
    public var lostFrames: Int64 = 0
    /// Packets discarded as corrupt.
    public var corruptPackets: Int64 = 0
    /// Packets the host's ring had no room for.
    public var ringOverflows: Int64 = 0
    /// Makes zero totals.
    public init() {}

    /// The run's flags: what a reader of the data must know.
    public var flags: [String] {
        var flags: [String] = []
        if lostPackets > 0 || lostFrames > 0 { flags.append("data-loss") }
        if ringOverflows > 0 { flags.append("overflow") }
        if corruptPackets > 0 { flags.append("corrupt-packets") }
        return flags
    }
}

extension Store {
    /// Starts a sequencing run: a RUNNING row and its audit entry.
    public func beginSequencingRun(sampleID: String, instrument: DeviceIdentity, endpoint: String, channels: Int,
                                   sampleRate: Double, operatorID: String, owner: String, readsPath: String,
                                   training: Bool = false, at: Date) throws -> SequencingRunRecord {
        try write { db in
            let uid = UUID().uuidString.lowercased()
            try db.execute(sql: """
                INSERT INTO sequencing_runs (uid, sample_id, instrument_id, endpoint, flow_cell_id, channels, sample_rate,
                                             operator, owner, status, started_at, reads_path, training)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?)
                """, arguments: [uid, sampleID, instrument.instrumentID, endpoint, instrument.instrumentCalibrationID, channels,
                                 sampleRate, operatorID, owner, Timestamp.string(at), readsPath, training])
            let id = db.lastInsertedRowID
            try Self.audit(db, at: at, actor: operatorID, entity: "sequencing-run", entityID: String(id), action: "started",
                           detail: ["sample": sampleID, "instrument": instrument.instrumentID, "reads": readsPath])
            return try Self.fetchSequencingRun(db, id: id)!
        }
    }

    /// Ends a sequencing run as COMPLETED, or ABORTED with the error; its totals and flags are kept.
    public func finishSequencingRun(_ id: Int64, totals: SequencingTotals, error: PrecisError?, readsPath: String,
                                    at: Date) throws -> SequencingRunRecord {
        try write { db in
            guard let run = try Self.fetchSequencingRun(db, id: id) else { throw PrecisError(.storage, "no sequencing run \(id)") }
            guard run.status == "RUNNING" else { throw PrecisError(.storage, "sequencing run \(id) already ended \(run.status)") }
            let status = error == nil ? "COMPLETED" : "ABORTED"
            try db.execute(sql: """
                UPDATE sequencing_runs SET status = ?, ended_at = ?, reads_path = ?, reads = ?, samples = ?, read_samples = ?,
                    events = ?, lost_packets = ?, lost_frames = ?, corrupt_packets = ?, ring_overflows = ?, flags = ?,
                    error_kind = ?, error_message = ? WHERE id = ?
                """, arguments: [status, Timestamp.string(at), readsPath, totals.reads, totals.samples, totals.readSamples,
                                 totals.events, totals.lostPackets, totals.lostFrames, totals.corruptPackets,
                                 totals.ringOverflows, totals.flags.joined(separator: ","), error.map { "\($0.kind)" },
                                 error?.message, id])
            var detail = ["reads": String(totals.reads), "flags": totals.flags.joined(separator: ","), "file": readsPath]
            if let error { detail["error"] = error.message }
            try Self.audit(db, at: at, actor: "system", entity: "sequencing-run", entityID: String(id),
                           action: "status RUNNING -> \(status)", detail: detail)
            return try Self.fetchSequencingRun(db, id: id)!
        }
    }

    /// Sequencing runs by status, and the totals of every stored run (for metrics).
    public func sequencingSummary() throws -> (runsByStatus: [String: Int], totals: SequencingTotals) {
        try read { db in
            var byStatus: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM sequencing_runs GROUP BY status") {
                byStatus[row["status"]] = row["n"]
            }
            // The sums under the columns' own names, read as one run's totals are.
            let sums = ["reads", "samples", "read_samples", "events", "lost_packets", "lost_frames", "corrupt_packets",
                        "ring_overflows"].map { "COALESCE(SUM(\($0)),0) AS \($0)" }.joined(separator: ", ")
            let t = try Row.fetchOne(db, sql: "SELECT \(sums) FROM sequencing_runs").map(Self.totals) ?? SequencingTotals()
            return (byStatus, t)
        }
    }

    /// Sequencing runs still marked RUNNING (to recover those whose process died).
    public func sequencingRunsStillRunning() throws -> [(run: SequencingRunRecord, owner: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sequencing_runs WHERE status = 'RUNNING'").map { (Self.sequencingRun($0), $0["owner"]) }
        }
    }

    /// Sequencing runs, newest first.
    public func sequencingRuns(limit: Int = 50) throws -> [SequencingRunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sequencing_runs ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.sequencingRun)
        }
    }

    static func fetchSequencingRun(_ db: Database, id: Int64) throws -> SequencingRunRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM sequencing_runs WHERE id = ?", arguments: [id]).map(sequencingRun)
    }

    /// A row's totals columns.
    static func totals(_ row: Row) -> SequencingTotals {
        var totals = SequencingTotals()
        totals.reads = row["reads"]
        totals.samples = row["samples"]
        totals.readSamples = row["read_samples"]
        totals.events = row["events"]
        totals.lostPackets = row["lost_packets"]
        totals.lostFrames = row["lost_frames"]
        totals.corruptPackets = row["corrupt_packets"]
        totals.ringOverflows = row["ring_overflows"]
        return totals
    }

    static func sequencingRun(_ row: Row) -> SequencingRunRecord {
        SequencingRunRecord(id: row["id"], uid: row["uid"], sampleID: row["sample_id"], instrumentID: row["instrument_id"],
                                   flowCellID: row["flow_cell_id"], status: row["status"], startedAt: row["started_at"],
                                   endedAt: row["ended_at"], readsPath: row["reads_path"], totals: totals(row), flags: row["flags"],
                                   errorMessage: row["error_message"], training: row["training"])
    }
}
