import Foundation
import GRDB
import PrecisCore

extension Store {
    static func insertTrace(_ db: Database, runID: Int64, trace: RawTrace, at: Date, actor: String) throws {
        var positions = Data(capacity: trace.profile.count * 4)
        var values = Data(capacity: trace.profile.count * 2)
        for p in trace.profile.positionsUM { withUnsafeBytes(of: Int32(p).littleEndian) { positions.append(contentsOf: $0) } }
        for v in trace.profile.reflectance { withUnsafeBytes(of: v.littleEndian) { values.append(contentsOf: $0) } }
        try db.execute(sql: """
            INSERT INTO raw_traces (run_id, kind, sample_count, expected_count, complete, full_scale, positions, values_u16, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, trace.kind, trace.profile.count, trace.expectedCount, trace.complete,
                             Int(trace.profile.fullScale), positions, values, Timestamp.string(at)])
        try audit(db, at: at, actor: actor, entity: "raw-trace", entityID: String(db.lastInsertedRowID), action: "stored",
                  detail: ["run": String(runID), "readings": String(trace.profile.count), "complete": String(trace.complete)])
    }

    static func insertRawData(_ db: Database, runID: Int64, data: NewRawData, at: Date, actor: String) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO raw_data (run_id, kind, media_type, content, path, size, sha256, complete, summary, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [runID, data.kind.rawValue, data.mediaType, data.content, data.path, data.size, data.sha256,
                             data.complete, data.summaryJSON, Timestamp.string(at)])
        let id = db.lastInsertedRowID
        try audit(db, at: at, actor: actor, entity: "raw-data", entityID: String(id), action: "stored",
                  detail: ["run": String(runID), "kind": data.kind.rawValue, "sha256": data.sha256, "complete": String(data.complete)])
        return id
    }

    static func insertResult(_ db: Database, runID: Int64, result: NewResult, at: Date, actor: String,
                             supersedes: Int64? = nil, rawDataID: Int64? = nil) throws -> Int64 {
        let uid = UUID().uuidString.lowercased()
        try db.execute(sql: """
            INSERT INTO results (uid, run_id, supersedes_id, status, analyte, loinc_code, loinc_display, value, comparator,
                                 unit, decimals, flags, response, analysis, reference_range, reason, created_at,
                                 sample_id, patient_id, value_system, value_code, value_display, method, specimen_type, raw_data_id,
                                 code_system, components)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [uid, runID, supersedes, result.status.rawValue, result.analyte, result.loinc.code, result.loinc.display,
                             result.concentration?.value, result.concentration?.comparator, result.unit, result.decimals,
                             result.flags.map(\.rawValue).joined(separator: ","), result.response, result.analysisJSON,
                             result.referenceRange, result.reason, Timestamp.string(at),
                             result.sampleID, result.patientID, result.coded?.system, result.coded?.code, result.coded?.display,
                             result.method, result.specimen.map { "\($0.system)|\($0.code)|\($0.display)" }, rawDataID,
                             result.loinc.system, try result.components.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }])
        let id = db.lastInsertedRowID
        var detail = ["run": String(runID), "status": result.status.rawValue,
                      "flags": result.flags.map(\.rawValue).joined(separator: ",")]
        if let c = result.concentration { detail["value"] = "\(c.comparator ?? "")\(c.value) \(c.unit)" }
        if let coded = result.coded { detail["value"] = coded.display }
        if let sample = result.sampleID { detail["sample"] = sample }
        try audit(db, at: at, actor: actor, entity: "result", entityID: String(id),
                  action: supersedes.map { "corrects result \($0)" } ?? "created", detail: detail)
        return id
    }

    /// The run with `id`, or nil.
    public func run(_ id: Int64) throws -> RunRecord? {
        try read { db in try Self.fetchRun(db, id: id) }
    }

    /// The newest runs first, at most `limit`.
    /// `before`: only runs with a smaller id (the next page after a run; the primary key walks it).
    public func runs(limit: Int = 50, kind: RunKind? = nil, before: Int64? = nil) throws -> [RunRecord] {
        try read { db in
            let below = before ?? Int64.max
            guard let kind else {
                return try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE id < ? ORDER BY id DESC LIMIT ?",
                                        arguments: [below, limit]).map(Self.runRecord)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE kind = ? AND id < ? ORDER BY id DESC LIMIT ?",
                                    arguments: [kind.rawValue, below, limit]).map(Self.runRecord)
        }
    }

    /// What a run's raw profile holds (its readings, expected, complete), without reading its blobs.
    public func rawTraceSummary(forRun runID: Int64) throws -> (count: Int, expected: Int?, complete: Bool)? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT sample_count, expected_count, complete FROM raw_traces WHERE run_id = ? ORDER BY id DESC LIMIT 1
                """, arguments: [runID]).map { (count: $0["sample_count"], expected: $0["expected_count"], complete: $0["complete"]) }
        }
    }

    /// Runs still marked RUNNING (by this or another process).
    public func runsStillRunning() throws -> [RunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE status = 'RUNNING' ORDER BY id").map(Self.runRecord)
        }
    }

    /// The run's current result (the newest record for it), or nil.
    public func result(forRun runID: Int64) throws -> ResultRecord? {
        try read { db in
            let id = try Int64.fetchOne(db, sql: "SELECT id FROM results WHERE run_id = ? ORDER BY id DESC LIMIT 1",
                                        arguments: [runID])
            return try id.flatMap { try Self.fetchResult(db, id: $0) }
        }
    }

    /// Every result the run has, oldest first (corrections included).
    public func results(forRun runID: Int64) throws -> [ResultRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM results WHERE run_id = ? ORDER BY id", arguments: [runID]).map(Self.resultRecord)
        }
    }

    /// The run's raw data (besides a strip's profile), oldest first, without the bytes.
    public func rawData(forRun runID: Int64) throws -> [RawDataRecord] {
        try read { db in try Self.fetchRawData(db, runID: runID) }
    }

    static func fetchRawData(_ db: Database, runID: Int64) throws -> [RawDataRecord] {
            try Row.fetchAll(db, sql: """
                SELECT id, run_id, kind, media_type, path, size, sha256, complete, summary, created_at FROM raw_data
                WHERE run_id = ? ORDER BY id
                """, arguments: [runID]).map { row in
                let kind: String = row["kind"]
                return RawDataRecord(id: row["id"], runID: row["run_id"], kind: RawDataKind(kind),
                                     mediaType: row["media_type"], path: row["path"], size: row["size"], sha256: row["sha256"],
                                     complete: row["complete"], summaryJSON: row["summary"], createdAt: row["created_at"])
            }
    }

    /// The bytes of raw data `id` kept in the store (nil when kept in a file, or no such row).
    public func rawDataContent(_ id: Int64) throws -> Data? {
        try read { db in try Data.fetchOne(db, sql: "SELECT content FROM raw_data WHERE id = ?", arguments: [id]) }
    }

    /// The bytes of `record` kept in the store, checked against the SHA-256 it was stored with
    /// (nil when it is kept in a file); bytes that no longer match are an error, never returned.
    public func verifiedRawDataContent(_ record: RawDataRecord) throws -> Data? {
        guard let bytes = try rawDataContent(record.id) else { return nil }
        let digest = ContentDigest.hex(bytes)
        guard digest == record.sha256 else {
            throw PrecisError(.storage, "run \(record.runID)'s raw data does not match the SHA-256 it was stored with "
                              + "(stored \(record.sha256), now \(digest))", hint: "the store was changed outside Precis: `precis audit verify`")
        }
        return bytes
    }

    /// The run's raw trace, or nil when none arrived.
    public func rawTrace(forRun runID: Int64) throws -> RawTrace? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM raw_traces WHERE run_id = ? ORDER BY id DESC LIMIT 1",
                                             arguments: [runID]) else { return nil }
            let positions: Data = row["positions"], values: Data = row["values_u16"]
            let p = positions.withUnsafeBytes { raw in
                (0..<positions.count / 4).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
            }
            let v = values.withUnsafeBytes { raw in
                (0..<values.count / 2).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
            }
            let fullScale: Int = row["full_scale"]
            return RawTrace(kind: row["kind"], profile: LineProfile(positionsUM: p, reflectance: v, fullScale: UInt16(fullScale)),
                            expectedCount: row["expected_count"], complete: row["complete"])
        }
    }

    static func fetchRun(_ db: Database, id: Int64) throws -> RunRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(runRecord)
    }

    static func fetchResult(_ db: Database, id: Int64) throws -> ResultRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM results WHERE id = ?", arguments: [id]).map(resultRecord)
    }

    static func runRecord(_ row: Row) -> RunRecord {
        RunRecord(id: row["id"], uid: row["uid"], sampleID: row["sample_id"], patientID: row["patient_id"],
                  assay: row["assay"], instrumentID: row["instrument_id"], endpoint: row["endpoint"],
                  calibrationID: row["calibration_id"], cartridgeID: row["cartridge_id"], operatorID: row["operator"],
                  owner: row["owner"], status: row["status"], startedAt: row["started_at"], endedAt: row["ended_at"],
                  errorKind: (row["error_kind"] as String?).flatMap(ErrorKind.init(rawValue:)), errorMessage: row["error_message"], linkReport: row["link_report"],
                  training: row["training"], kind: RunKind(row["kind"] ?? "strip"))
    }

    static func resultRecord(_ row: Row) -> ResultRecord {
        let value: Double? = row["value"]
        let unit: String = row["unit"]
        let flags: String = row["flags"]
        return ResultRecord(
            id: row["id"], uid: row["uid"], runID: row["run_id"], supersedesID: row["supersedes_id"], status: row["status"],
            analyte: row["analyte"], loincCode: row["loinc_code"], loincDisplay: row["loinc_display"],
            concentration: value.map { Concentration(value: $0, comparator: row["comparator"], unit: unit) },
            unit: unit, decimals: row["decimals"],
            flags: flags.split(separator: ",").compactMap { ResultFlag(rawValue: String($0)) },
            response: row["response"], analysisJSON: row["analysis"], referenceRange: row["reference_range"],
            reason: row["reason"], createdAt: row["created_at"], sampleID: row["sample_id"], patientID: row["patient_id"],
            coded: (row["value_code"] as String?).map { CodedValue(system: row["value_system"] ?? "", code: $0, display: row["value_display"] ?? $0) },
            method: row["method"], specimen: (row["specimen_type"] as String?).flatMap(Self.specimenType),
            rawDataID: row["raw_data_id"], codeSystem: row["code_system"],
            components: (row["components"] as String?).flatMap { try? JSONDecoder().decode([ResultComponent].self, from: Data($0.utf8)) })
    }

    static func specimenType(_ text: String) -> SpecimenType? {
        let parts = text.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        return parts.count == 3 ? SpecimenType(system: parts[0], code: parts[1], display: parts[2]) : nil
    }
}
