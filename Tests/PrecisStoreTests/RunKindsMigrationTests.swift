import Foundation
import GRDB
import PrecisCore
import PrecisStore
import Testing

/// A store written by the code before the run kinds (Fixtures/v7.sqlite, made by
/// Fixtures/make-v7-store.sh with the binary of commit 45e6264: a QC run on the reader, a QC
/// run entered by hand, a completed run delivered to the test centre, an invalid one pending,
/// an aborted one with its partial trace, a sequencing run) opened by the v8 code: everything
/// is kept as it was, every old run reads as a strip, and the audit verifies.
@Suite struct RunKindsMigrationTests {
    static func copyOfFixture() throws -> String {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v7.sqlite")
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        return path
    }

    /// Every row of every table the v7 store has, as text, so that before and after compare whole.
    static func dump(_ path: String, tables: [String]) throws -> [String: [String]] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var out: [String: [String]] = [:]
            for table in tables {
                let columns = try db.columns(in: table).map(\.name)
                out[table] = try Row.fetchAll(db, sql: "SELECT \(columns.map { "\"\($0)\"" }.joined(separator: ", ")) FROM \(table) ORDER BY 1")
                    .map { row in columns.map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: "|") }
            }
            return out
        }
    }

    static let v7Tables = ["instruments", "calibrations", "runs", "raw_traces", "results", "outbox", "audit_log", "qc_runs",
                           "qc_results", "qc_lockouts", "sequencing_runs", "audit_heads", "operators"]

    @Test func aV7StoreKeepsEveryRowAndVerifies() throws {
        let path = try Self.copyOfFixture()
        let before = try Self.dump(path, tables: Self.v7Tables)
        #expect(before["runs"]?.count == 4)
        #expect(before["results"]?.count == 3)
        #expect(before["outbox"]?.count == 2)
        #expect(before["raw_traces"]?.count == 4)
        #expect(before["sequencing_runs"]?.count == 1)
        let store = try Store(path: path)
        let verification = try store.verifyAudit()
        #expect(verification.problems == [])
        // v8 writes no audit row (the rows it added columns to digest as before); v9 writes four
        // for the sequencing run it copies into runs (the run, its details, its reads file, the old row).
        #expect(verification.rows == (before["audit_log"]?.count ?? 0) + 4)
        let after = try Self.dump(path, tables: Self.v7Tables)
        let added = ["runs": 1, "audit_log": 4]
        for table in Self.v7Tables {
            // Each old row is the same row with the new columns at their defaults after it.
            let old = before[table] ?? [], new = after[table] ?? []
            #expect(old.count + (added[table] ?? 0) == new.count, "\(table)")
            for (o, n) in zip(old, new) { #expect(n.hasPrefix(o), "\(table): \(o) became \(n)") }
        }
        #expect(try store.runs().map(\.kind) == [.sequencing, .strip, .strip, .strip, .strip])
        #expect(try store.runs().map(\.status.rawValue).sorted() == ["ABORTED", "COMPLETED", "COMPLETED", "COMPLETED", "INVALID"])
        let delivered = try store.outbox(states: [.delivered])
        #expect(delivered.count == 1)
        #expect(delivered.first?.sampleID == "S-0001")
        #expect(try store.outbox(states: [.pending]).count == 1)
        #expect(try store.rawTrace(forRun: 4)?.complete == false)
        #expect(try store.results(forRun: 2).first?.sampleID == nil)   // a strip's result is its run's sample
        let package = try store.package(forRun: 2)
        #expect(package.sampleID == "S-0001")
        #expect(package.patientID == "P-0001")
        _ = try Store(path: path)
        #expect(try store.verifyAudit().problems == [])
    }

    @Test func aMigratedStoreStillCatchesAChangedOldResult() throws {
        let path = try Self.copyOfFixture()
        let store = try Store(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER results_never_updated")
            try db.execute(sql: "UPDATE results SET value_code = '260373001' WHERE id = 2")
        }
        let problems = try store.verifyAudit().problems
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("result 2: its value_code differs") == true)
    }
}
