import Crypto
import Foundation
import GRDB
import PrecisCore

/// What only a sequencing run has, written once when it starts (`sequencing_details`): the
/// run itself is a row of `runs` (kind `sequencing`) like every other.
public struct SequencingDetail: Sendable, Codable, Equatable {
    /// The flow cell.
    public var flowCellID: String?
    /// Channels streamed.
    public var channels: Int
    /// Samples per second per channel.
    public var sampleRate: Double
    /// The BLOW5 (or SLOW5) file the reads go to; `.partial` beside it until it is finished.
    public var readsPath: String
    /// The row of the old `sequencing_runs` table it was copied from (schema v9), if any.
    public var migratedFrom: Int64?

    public init(flowCellID: String?, channels: Int, sampleRate: Double, readsPath: String, migratedFrom: Int64? = nil) {
        self.flowCellID = flowCellID
        self.channels = channels
        self.sampleRate = sampleRate
        self.readsPath = readsPath
        self.migratedFrom = migratedFrom
    }
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
    public var flags: [ResultFlag] {
        var flags: [ResultFlag] = []
        if lostPackets > 0 || lostFrames > 0 { flags.append(.dataLoss) }
        if ringOverflows > 0 { flags.append(.ringOverflow) }
        if corruptPackets > 0 { flags.append(.corruptPackets) }
        return flags
    }
}

/// The summary a sequencing run's reads file is stored with (raw data of kind `reads`).
public struct ReadsSummary: Sendable, Codable, Equatable {
    /// `blow5` or `slow5`.
    public var format: String
    public var totals: SequencingTotals
    /// Seconds of signal taken.
    public var seconds: Double?
    /// Set when the file was not there to hash when the run was migrated (schema v9).
    public var missingAtMigration: Bool?

    public init(format: String, totals: SequencingTotals, seconds: Double?) {
        self.format = format
        self.totals = totals
        self.seconds = seconds
    }
}

extension ReadsSummary {
    /// The format a reads file's name says: `slow5` for `.slow5`, else `blow5`.
    public static func format(ofPath path: String) -> String { path.hasSuffix(".slow5") ? "slow5" : "blow5" }
}

extension NewRawData {
    /// A sequencing run's reads file as raw data: by path, with its size and SHA-256 (`digest`
    /// nil: no file there, stored with size 0 and no digest, never complete) and the run's totals.
    public static func reads(path: String, digest: (size: Int, sha256: String)?, totals: SequencingTotals, seconds: Double?,
                             complete: Bool, missingAtMigration: Bool = false) throws -> NewRawData {
        var summary = ReadsSummary(format: ReadsSummary.format(ofPath: path), totals: totals, seconds: seconds)
        if missingAtMigration { summary.missingAtMigration = true }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return NewRawData(kind: .reads, mediaType: "application/octet-stream", content: nil, path: path,
                          size: digest?.size ?? 0, sha256: digest?.sha256 ?? "", complete: complete && digest != nil,
                          summaryJSON: String(decoding: try encoder.encode(summary), as: UTF8.self))
    }
}

/// A file's size and SHA-256, read in 1 MiB pieces (a reads file may be tens of gigabytes).
public enum FileDigest {
    /// The size and hex SHA-256 of the file at `path`, or nil when there is no such file.
    public static func sha256(path: String) throws -> (size: Int, sha256: String)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += chunk.count
        }
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}

extension Store {
    /// The sequencing details of run `id`, or nil (not a sequencing run).
    public func sequencingDetail(runID id: Int64) throws -> SequencingDetail? {
        try read { db in try Self.fetchSequencingDetail(db, runID: id) }
    }

    /// Sequencing runs by status, and the totals their reads files were stored with (for metrics).
    public func sequencingSummary() throws -> (runsByStatus: [String: Int], totals: SequencingTotals) {
        try read { db in
            var byStatus: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM runs WHERE kind = 'sequencing' GROUP BY status") {
                byStatus[row["status"]] = row["n"]
            }
            var totals = SequencingTotals()
            let summaries = try String.fetchCursor(db, sql: """
                SELECT d.summary FROM raw_data d JOIN runs r ON r.id = d.run_id WHERE r.kind = 'sequencing' AND d.kind = 'reads'
                """)
            while let text = try summaries.next() {
                guard let t = try? JSONDecoder().decode(ReadsSummary.self, from: Data(text.utf8)).totals else { continue }
                totals.reads += t.reads
                totals.samples += t.samples
                totals.readSamples += t.readSamples
                totals.events += t.events
                totals.lostPackets += t.lostPackets
                totals.lostFrames += t.lostFrames
                totals.corruptPackets += t.corruptPackets
                totals.ringOverflows += t.ringOverflows
            }
            return (byStatus, totals)
        }
    }

    /// Sequencing runs still marked RUNNING, with their details (to recover those whose process died).
    public func sequencingRunsStillRunning() throws -> [(run: RunRecord, detail: SequencingDetail)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE status = 'RUNNING' AND kind = 'sequencing' ORDER BY id")
                .compactMap { row in
                    let run = Self.runRecord(row)
                    return try Self.fetchSequencingDetail(db, runID: run.id).map { (run, $0) }
                }
        }
    }

    static func insertSequencingDetail(_ db: Database, runID: Int64, _ detail: SequencingDetail, at: Date, actor: String,
                                       action: String = "stored") throws {
        try db.execute(sql: """
            INSERT INTO sequencing_details (id, flow_cell_id, channels, sample_rate, reads_path, migrated_from)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [runID, detail.flowCellID, detail.channels, detail.sampleRate, detail.readsPath, detail.migratedFrom])
        try audit(db, at: at, actor: actor, entity: "sequencing-detail", entityID: String(runID), action: action,
                  detail: ["reads": detail.readsPath, "channels": String(detail.channels)])
    }

    static func fetchSequencingDetail(_ db: Database, runID: Int64) throws -> SequencingDetail? {
        try Row.fetchOne(db, sql: "SELECT * FROM sequencing_details WHERE id = ?", arguments: [runID]).map {
            SequencingDetail(flowCellID: $0["flow_cell_id"], channels: $0["channels"], sampleRate: $0["sample_rate"],
                             readsPath: $0["reads_path"], migratedFrom: $0["migrated_from"])
        }
    }

    /// Schema v9: every row of the old `sequencing_runs` becomes a run of kind `sequencing` with
    /// its details and its reads file as raw data, each audited as migrated from the old row
    /// (which is left as it was, and audited as copied, so the rows that recorded it verify).
    static func moveSequencingRunsIntoRuns(_ db: Database, at: Date) throws {
        let actor = "migration v9"
        for old in try Row.fetchAll(db, sql: "SELECT * FROM sequencing_runs ORDER BY id") {
            let oldID: Int64 = old["id"]
            let status = RunStatus(rawValue: old["status"]) ?? .aborted   // CHECK (status IN ('RUNNING','COMPLETED','ABORTED'))
            try db.execute(sql: """
                INSERT INTO runs (uid, sample_id, patient_id, assay, instrument_id, endpoint, calibration_id, cartridge_id,
                                  operator, owner, status, started_at, ended_at, error_kind, error_message, link_report,
                                  training, kind)
                VALUES (?, ?, NULL, 'nanopore-run', ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, NULL, ?, 'sequencing')
                """, arguments: [old["uid"], old["sample_id"], old["instrument_id"], old["endpoint"], old["operator"],
                                 old["owner"], status, old["started_at"], old["ended_at"], old["error_kind"],
                                 old["error_message"], old["training"]])
            let runID = db.lastInsertedRowID
            try audit(db, at: at, actor: actor, entity: "run", entityID: String(runID),
                      action: "migrated from sequencing run \(oldID)", detail: ["sample": old["sample_id"], "status": status.rawValue])
            let path: String = old["reads_path"]
            try insertSequencingDetail(db, runID: runID, SequencingDetail(
                flowCellID: old["flow_cell_id"], channels: old["channels"], sampleRate: old["sample_rate"], readsPath: path,
                migratedFrom: oldID), at: at, actor: actor, action: "migrated from sequencing run \(oldID)")
            // A run still RUNNING has no finished file yet: recovery finishes it and stores the raw data then.
            if status != .running {
                let digest = try FileDigest.sha256(path: path)
                _ = try insertRawData(db, runID: runID, data: try .reads(
                    path: path, digest: digest, totals: totals(old), seconds: nil, complete: status == .completed,
                    missingAtMigration: digest == nil), at: at, actor: actor)
            }
            try audit(db, at: at, actor: actor, entity: "sequencing-run", entityID: String(oldID),
                      action: "copied to run \(runID)", detail: ["run": String(runID)])
        }
    }

    /// An old `sequencing_runs` row's totals columns.
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
}
