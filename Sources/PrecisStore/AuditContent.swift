import Crypto
import Foundation
import GRDB

/// A kind of stored thing the audit log commits to: its table, its key and the columns that
/// make up its content. The column lists are scheme `c1` and are frozen: a digest stored
/// once must verify for ever, so a column that should be covered later goes into a new scheme.
enum AuditedKind: String, CaseIterable, Sendable {
    case instrument, calibration, `operator`, run, rawTrace = "raw-trace", result, outbox
    case sequencingRun = "sequencing-run", qc, qcLockout = "qc-lockout", rawData = "raw-data"
    case sequencingDetail = "sequencing-detail"

    /// The table holding it.
    var table: String {
        switch self {
        case .instrument: "instruments"
        case .calibration: "calibrations"
        case .operator: "operators"
        case .run: "runs"
        case .rawTrace: "raw_traces"
        case .result: "results"
        case .outbox: "outbox"
        case .sequencingRun: "sequencing_runs"
        case .qc: "qc_runs"
        case .qcLockout: "qc_lockouts"
        case .rawData: "raw_data"
        case .sequencingDetail: "sequencing_details"
        }
    }

    /// How a problem names one: `result 3`, `raw trace 1`, `outbox entry 2`.
    var label: String {
        switch self {
        case .rawTrace: "raw trace"
        case .outbox: "outbox entry"
        case .sequencingRun: "sequencing run (before schema v9)"
        case .sequencingDetail: "sequencing detail"
        case .qc: "QC run"
        case .qcLockout: "QC lockout"
        case .rawData: "raw data"
        default: rawValue
        }
    }

    /// The content columns (scheme c1), `id` first. Left out on purpose: what changes without
    /// an audit row (an outbox entry's lease and retry times, a run's owning process, when an
    /// instrument was last seen and at which address).
    var columns: [String] {
        switch self {
        case .instrument: ["id", "family", "serial", "firmware", "instrument_calibration_id", "model"]
        case .calibration: ["id", "lot", "assay", "version", "sha256", "expiry", "content", "loaded_at"]
        case .operator: ["id", "role", "pin_salt", "pin_iterations", "pin_hash"]
        case .run: ["id", "uid", "sample_id", "patient_id", "assay", "instrument_id", "endpoint", "calibration_id",
                    "cartridge_id", "operator", "status", "started_at", "ended_at", "error_kind", "error_message", "link_report"]
        case .rawTrace: ["id", "run_id", "kind", "sample_count", "expected_count", "complete", "full_scale", "positions",
                         "values_u16", "created_at"]
        case .result: ["id", "uid", "run_id", "supersedes_id", "status", "analyte", "loinc_code", "loinc_display", "value",
                       "comparator", "unit", "decimals", "flags", "response", "analysis", "reference_range", "reason", "created_at"]
        case .outbox: ["id", "result_id", "destination", "state"]
        case .sequencingRun: ["id", "uid", "sample_id", "instrument_id", "endpoint", "flow_cell_id", "channels", "sample_rate",
                              "operator", "status", "started_at", "ended_at", "reads_path", "reads", "samples", "read_samples",
                              "events", "lost_packets", "lost_frames", "corrupt_packets", "ring_overflows", "flags",
                              "error_kind", "error_message"]
        case .qc: ["id", "assay", "instrument_id", "material_lot", "run_id", "source", "operator", "at"]
        case .qcLockout: ["id", "assay", "instrument_id", "qc_run_id", "rules", "detail", "created_at", "acknowledged_at",
                          "acknowledged_by", "reason"]
        case .rawData: ["id", "run_id", "kind", "media_type", "content", "path", "size", "sha256", "complete", "summary",
                        "created_at"]
        case .sequencingDetail: ["id", "flow_cell_id", "channels", "sample_rate", "reads_path", "migrated_from"]
        }
    }
}

extension AuditedKind {
    /// Columns added to a table after scheme c1 was fixed, each with the value every row had
    /// when it was added (`training` 0, migration v6; a run's `kind` 'strip' and a result's
    /// sample, coded value, method and raw data NULL, migration v8; its code system and
    /// components NULL, v9). Such a column enters the
    /// digest as a field only when it holds something else, so every digest recorded before
    /// the column existed stays what it was, and changing the column afterwards changes the
    /// digest like any other field.
    var laterColumns: [(name: String, unset: DatabaseValue)] {
        switch self {
        case .run: [("training", 0.databaseValue), ("kind", "strip".databaseValue)]
        case .sequencingRun: [("training", 0.databaseValue)]
        case .result: ["sample_id", "patient_id", "value_system", "value_code", "value_display", "method", "specimen_type",
                        "raw_data_id", "code_system", "components"]
            .map { ($0, DatabaseValue.null) }
        default: []
        }
    }
}

/// What an audit row records of the entity it is about, after the change it describes.
///
/// Scheme c1: each field (a column, or for a QC run each of its values as `qc_result ID level`,
/// `… value`, `… unit`) is encoded as `len:name`, a type tag (`n` NULL, `i` integer, `r` real,
/// `t` text, `b` blob) and `len:bytes` — an integer in decimal, a real as the 16 hex digits of
/// its IEEE-754 bits, text as UTF-8, a blob (the raw traces) as its bytes; `len` is a decimal
/// byte count. The digest is `c1:` and the hex SHA-256 of `len:precis.audit.c1`, `len:KIND`
/// and the fields sorted by name. `fields` keeps the first 8 hex digits of each field's own
/// SHA-256 (`name=digits`, comma-separated), so that verify can say which field changed.
struct ContentDigest: Equatable, Sendable {
    /// `c1:` and 64 hex digits.
    var digest: String
    /// `name=8hex,…`, sorted by name.
    var fields: String

    /// A digest as an audit row recorded it.
    init(digest: String, fields: String) {
        self.digest = digest
        self.fields = fields
    }

    /// The digest of `fields` of an entity of `kind`.
    init(kind: AuditedKind, fields: [(name: String, value: DatabaseValue)]) {
        let sorted = fields.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        var whole = Self.lengthPrefixed(Data("precis.audit.c1".utf8)) + Self.lengthPrefixed(Data(kind.rawValue.utf8))
        var short: [String] = []
        for field in sorted {
            let encoded = Self.encode(field.name, field.value)
            whole.append(encoded)
            short.append("\(field.name)=\(Self.hex(encoded).prefix(8))")
        }
        digest = "c1:" + Self.hex(whole)
        self.fields = short.joined(separator: ",")
    }

    /// The names of the fields whose short digests differ between `recorded` and this content.
    func changedFields(since recorded: String) -> [String] {
        func parse(_ text: String) -> [String: Substring] {
            var out: [String: Substring] = [:]
            for pair in text.split(separator: ",") {
                guard let eq = pair.lastIndex(of: "=") else { continue }
                out[String(pair[..<eq])] = pair[pair.index(after: eq)...]
            }
            return out
        }
        let then = parse(recorded), now = parse(fields)
        return Set(then.keys).union(now.keys).filter { then[$0] != now[$0] }.sorted()
    }

    static func encode(_ name: String, _ value: DatabaseValue) -> Data {
        var out = lengthPrefixed(Data(name.utf8))
        switch value.storage {
        case .null: out.append(Data("n".utf8) + lengthPrefixed(Data()))
        case .int64(let i): out.append(Data("i".utf8) + lengthPrefixed(Data(String(i).utf8)))
        case .double(let d): out.append(Data("r".utf8) + lengthPrefixed(Data(String(format: "%016llx", d.bitPattern).utf8)))
        case .string(let s): out.append(Data("t".utf8) + lengthPrefixed(Data(s.utf8)))
        case .blob(let b): out.append(Data("b".utf8) + lengthPrefixed(b))
        }
        return out
    }

    static func lengthPrefixed(_ bytes: Data) -> Data { Data("\(bytes.count):".utf8) + bytes }

    static func hex(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}

extension ContentDigest {
    /// The current content of entity `id` of `kind`, or nil when it is not stored.
    static func current(_ db: Database, _ kind: AuditedKind, id: String) throws -> ContentDigest? {
        var found: ContentDigest?
        try each(db, kind, id: id) { _, digest in found = digest }
        return found
    }

    /// Calls `body` with the id and content digest of every stored entity of `kind` (or only
    /// `id`), in id order, reading one row at a time.
    static func each(_ db: Database, _ kind: AuditedKind, id: String? = nil,
                     _ body: (String, ContentDigest) throws -> Void) throws {
        let children = kind == .qc ? try qcValues(db, qcRunID: id) : [:]
        guard try db.tableExists(kind.table) else { return }     // a kind whose table a later migration makes
        let present = Set(try db.columns(in: kind.table).map(\.name))
        let later = kind.laterColumns.filter { present.contains($0.name) }
        let list = (kind.columns + later.map(\.name)).map { "\"\($0)\"" }.joined(separator: ", ")
        var sql = "SELECT \(list) FROM \(kind.table)"
        var arguments = StatementArguments()
        if let id {
            sql += " WHERE id = ?"
            arguments = kind == .instrument || kind == .operator ? [id] : [Int64(id) ?? -1]
        }
        let rows = try Row.fetchCursor(db, sql: sql + " ORDER BY id", arguments: arguments)
        while let row = try rows.next() {
            var fields = kind.columns.enumerated().map { (name: $0.element, value: row[$0.offset] as DatabaseValue) }
            for (offset, column) in later.enumerated() {
                let value = row[kind.columns.count + offset] as DatabaseValue
                if value != column.unset { fields.append((name: column.name, value: value)) }
            }
            let entityID = Self.key(row[0])
            fields += children[entityID] ?? []
            try body(entityID, ContentDigest(kind: kind, fields: fields))
        }
    }

    /// An entity's id as the audit log writes it.
    static func key(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .int64(let i): String(i)
        case .string(let s): s
        default: "\(value)"
        }
    }

    /// A QC run's values, as fields, by QC run id.
    static func qcValues(_ db: Database, qcRunID: String?) throws -> [String: [(name: String, value: DatabaseValue)]] {
        var sql = "SELECT id, qc_run_id, level, value, unit FROM qc_results"
        var arguments = StatementArguments()
        if let qcRunID { sql += " WHERE qc_run_id = ?"; arguments = [Int64(qcRunID) ?? -1] }
        var out: [String: [(name: String, value: DatabaseValue)]] = [:]
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            let id: Int64 = row["id"], run: Int64 = row["qc_run_id"]
            for column in ["level", "value", "unit"] {
                out[String(run), default: []].append((name: "qc_result \(id) \(column)", value: row[column] as DatabaseValue))
            }
        }
        return out
    }
}
