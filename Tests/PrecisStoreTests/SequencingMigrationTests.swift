import Foundation
import GRDB
import PrecisCore
import PrecisStore
import Testing

/// A store written by main before sequencing runs were runs (Fixtures/v8.sqlite, made by
/// `make-store.sh v8` with the binary of commit 0e7414a: strip runs delivered, invalid and
/// aborted, QC runs, an HIV-1 plate with its RDML, a blood lead with its voltammogram, a
/// completed sequencing run and one cut off by an unplugged sequencer) opened by the v9 code.
@Suite struct SequencingMigrationTests {
    static func copyOfFixture() throws -> String {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v8.sqlite")
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        return path
    }

    static let v8Tables = ["instruments", "calibrations", "runs", "raw_traces", "raw_data", "results", "outbox", "audit_log",
                           "qc_runs", "qc_results", "qc_lockouts", "sequencing_runs", "audit_heads", "operators"]

    @Test("every row of a v8 store is kept; its sequencing runs become runs with details and raw data; the audit verifies")
    func aV8StoreKeepsEveryRowAndFoldsSequencingRunsIntoRuns() throws {
        let path = try Self.copyOfFixture()
        let before = try RunKindsMigrationTests.dump(path, tables: Self.v8Tables)
        let legacy = try DatabaseQueue(path: path).read { db in try Row.fetchAll(db, sql: "SELECT * FROM sequencing_runs ORDER BY id") }
        #expect(legacy.count == 2)
        // The completed run's reads file, put back where the fixture's run wrote it: the migration hashes it.
        let readsPath: String = legacy[0]["reads_path"]
        let bytes = Data((0..<5000).map { UInt8($0 % 251) })
        try FileManager.default.createDirectory(atPath: (readsPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try bytes.write(to: URL(fileURLWithPath: readsPath))
        defer { try? FileManager.default.removeItem(atPath: (readsPath as NSString).deletingLastPathComponent) }

        let store = try Store(path: path)
        let verification = try store.verifyAudit()
        #expect(verification.problems == [])
        let after = try RunKindsMigrationTests.dump(path, tables: Self.v8Tables)
        // Two runs, their reads files as raw data (the aborted one missing) and four audit rows each are added.
        let added = ["runs": 2, "raw_data": 2, "audit_log": 8]
        for table in Self.v8Tables {
            let old = before[table] ?? [], new = after[table] ?? []
            #expect(old.count + (added[table] ?? 0) == new.count, "\(table)")
            for (o, n) in zip(old, new) { #expect(n.hasPrefix(o), "\(table): \(o) became \(n)") }
        }
        // The old runs are as they were; the sequencing runs come after them, each the same run.
        let runs = try store.runs(limit: 100).reversed().map { $0 }
        #expect(runs.map(\.kind) == [.strip, .strip, .strip, .strip, .plate, .voltammetry, .sequencing, .sequencing])
        for (old, run) in zip(legacy, runs.suffix(2)) {
            #expect(run.uid == old["uid"] as String && run.sampleID == old["sample_id"] as String)
            #expect(run.status.rawValue == old["status"] as String && run.startedAt == old["started_at"] as String)
            #expect(run.endedAt == old["ended_at"] as String? && run.errorMessage == old["error_message"] as String?)
            #expect(run.training == old["training"] as Bool && run.assay == "nanopore-run")
            let detail = try #require(try store.sequencingDetail(runID: run.id))
            #expect(detail.migratedFrom == old["id"] as Int64 && detail.readsPath == old["reads_path"] as String)
            #expect(detail.channels == old["channels"] as Int && detail.flowCellID == old["flow_cell_id"] as String?)
            #expect(try store.results(forRun: run.id).isEmpty, "migrating sends nothing: no result is made for a past run")
        }
        let completed = try store.rawData(forRun: runs[6].id)
        #expect(completed.count == 1 && completed[0].kind == .reads && completed[0].path == readsPath)
        #expect(completed[0].size == bytes.count && completed[0].complete)
        #expect(completed[0].sha256 == (try FileDigest.sha256(path: readsPath))?.sha256)
        let summary = try JSONDecoder().decode(ReadsSummary.self, from: Data(completed[0].summaryJSON.utf8))
        #expect(summary.totals.reads == legacy[0]["reads"] as Int && summary.missingAtMigration == nil)
        let aborted = try store.rawData(forRun: runs[7].id)
        #expect(aborted.count == 1 && !aborted[0].complete && aborted[0].sha256 == "")
        #expect(try JSONDecoder().decode(ReadsSummary.self, from: Data(aborted[0].summaryJSON.utf8)).missingAtMigration == true)
        // Nothing queued changed: the plate's and the lead's results wait as they did.
        #expect(try store.outbox(states: [.pending]).count == 6)
        let metrics = try store.sequencingSummary()
        #expect(metrics.runsByStatus == ["COMPLETED": 1, "ABORTED": 1])
        #expect(metrics.totals.reads == legacy[0]["reads"] as Int)
        // The old rows are frozen, and a second open migrates nothing again.
        #expect(throws: (any Error).self) { try DatabaseQueue(path: path).write { try $0.execute(sql: "UPDATE sequencing_runs SET reads = 1") } }
        _ = try Store(path: path)
        #expect(try store.runs(limit: 100).count == 8)
        #expect(try store.verifyAudit().problems == [])
    }

    @Test("a migrated sequencing run's details changed afterwards are named")
    func aChangedMigratedDetailIsNamed() throws {
        let path = try Self.copyOfFixture()
        let store = try Store(path: path)
        let run = try #require(try store.runs(kind: .sequencing).last)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "DROP TRIGGER sequencing_details_never_updated")
            try db.execute(sql: "UPDATE sequencing_details SET reads_path = '/tmp/elsewhere.blow5' WHERE id = ?", arguments: [run.id])
        }
        let problems = try store.verifyAudit().problems
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("sequencing detail \(run.id): its reads_path differs") == true)
    }
}
