import Foundation
import GRDB
import PrecisCore
import PrecisStore
import Testing

func temporaryStorePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("precis-store-\(UUID().uuidString)/precis.sqlite").path
}

let reader = DeviceIdentity(family: "lfr", serial: "LFR-0042", firmware: "2.3.1", instrumentCalibrationID: "OPT-1")
let now = Date(timeIntervalSince1970: 1_795_000_000)

func newRun(_ store: Store, sample: String = "S-0001") throws -> RunRecord {
    try store.saveInstrument(reader, endpoint: "sim:lfr", at: now)
    return try store.beginRun(NewRun(sampleID: sample, patientID: "P-17", assay: "crp", instrument: reader, endpoint: "sim:lfr",
                                     calibrationID: nil, cartridgeID: "CRP26A07:1", operatorID: "tech1", owner: "1@host"),
                              at: now)
}

func profile(_ count: Int) -> LineProfile {
    LineProfile(positionsUM: (0..<count).map { $0 * 50 }, reflectance: (0..<count).map { UInt16(40_000 + $0) })
}

func result(status: ResultStatus = .final) -> NewResult {
    NewResult(status: status, analyte: "C-reactive protein", loinc: Coding(code: "1988-5", display: "CRP"),
              concentration: Concentration(value: 12.34, unit: "mg/L"), unit: "mg/L", decimals: 1, flags: [.high],
              response: 0.35, analysisJSON: "{}", referenceRange: "< 5.0 mg/L", reason: nil)
}

@Suite struct StoreTests {
    @Test func opensInWALModeAndMigratesOnce() throws {
        let path = temporaryStorePath()
        _ = try Store(path: path)
        _ = try Store(path: path)
        let queue = try DatabaseQueue(path: path)
        #expect(try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try queue.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
                == ["v1-runs-results-outbox-audit", "v2-quality-control", "v3-operators-signin", "v4-sequencing-runs",
                    "v5-audit-content", "v6-training-runs", "v7-signin-unknown-tally",
                    "v8-run-kinds-raw-data-coded-results", "v9-sequencing-runs-in-runs", "v10-any-run-kind", "v11-list-indexes",
                    "v12-inbox-uploads", "v13-change-count"].sorted())
    }

    @Test func unusablePathIsAStorageErrorNamingThePath() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-dir-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        #expect { try Store(path: file.path + "/precis.sqlite") } throws: { error in
            let e = error as? PrecisError
            return e?.kind == .storage && e?.message.contains(file.path) == true && e?.hint != nil
        }
    }

    @Test func completeRunStoresRawResultAndOutboxTogether() throws {
        let store = try Store(path: temporaryStorePath())
        let run = try newRun(store)
        let done = try store.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: profile(501), expectedCount: 501,
                                                               complete: true),
                                         result: result(), destinations: ["centre", "lis"], linkReport: nil, at: now, actor: "tech1")
        #expect(done.outbox.map(\.state) == [.pending, .pending])
        #expect(done.outbox.map(\.sampleID) == ["S-0001", "S-0001"])
        #expect(done.result.concentration == Concentration(value: 12.34, unit: "mg/L"))
        #expect(done.result.flags == [.high])
        #expect(try store.run(run.id)?.status == .completed)
        #expect(try store.rawTrace(forRun: run.id)?.profile == profile(501))
        #expect(try store.outbox(states: [.pending]).count == 2)
    }

    @Test func aFailureInsideTheTransactionLeavesNothingBehind() throws {
        let store = try Store(path: temporaryStorePath())
        let run = try newRun(store)
        #expect(throws: PrecisError.self) {
            try store.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: profile(10), expectedCount: 10, complete: true),
                                  result: result(), destinations: ["centre", "centre"], linkReport: nil, at: now, actor: "t")
        }
        #expect(try store.run(run.id)?.status == .running)
        #expect(try store.result(forRun: run.id) == nil)
        #expect(try store.rawTrace(forRun: run.id) == nil)
        #expect(try store.outbox().isEmpty)
    }

    @Test func abortedRunKeepsItsPartialData() throws {
        let store = try Store(path: temporaryStorePath())
        let run = try newRun(store)
        try store.abortRun(run.id, error: PrecisError(.disconnected, "reader unplugged"),
                           partial: RawTrace(kind: "lfr-profile", profile: profile(128), expectedCount: 501, complete: false),
                           linkReport: nil, at: now)
        let stored = try #require(try store.run(run.id))
        #expect(stored.status == .aborted)
        #expect(stored.errorKind == .disconnected)
        let raw = try #require(try store.rawTrace(forRun: run.id))
        #expect(raw.profile.count == 128)
        #expect(raw.complete == false)
        #expect(raw.expectedCount == 501)
        #expect(throws: PrecisError.self) {   // a run ends once
            try store.abortRun(run.id, error: PrecisError(.other, "again"), partial: nil, linkReport: nil, at: now)
        }
    }

    @Test func storedResultsCannotBeChangedOrDeleted() throws {
        let path = temporaryStorePath()
        let store = try Store(path: path)
        let run = try newRun(store)
        _ = try store.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: profile(5), expectedCount: 5, complete: true),
                                  result: result(), destinations: ["centre"], linkReport: nil, at: now, actor: "t")
        let queue = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "UPDATE results SET value = 1") } }
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "DELETE FROM results") } }
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "DELETE FROM audit_log") } }
        #expect(try store.result(forRun: run.id)?.concentration?.value == 12.34)
    }

    @Test func auditChainRecordsEveryStepAndDetectsTampering() throws {
        let path = temporaryStorePath()
        let store = try Store(path: path)
        let run = try newRun(store)
        _ = try store.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: profile(5), expectedCount: 5, complete: true),
                                  result: result(), destinations: ["centre"], linkReport: nil, at: now, actor: "t")
        let actions = try store.auditEntries().map { "\($0.entity):\($0.action)" }
        #expect(actions == ["instrument:registered", "run:started", "raw-trace:stored", "result:created", "outbox:queued",
                            "run:status RUNNING -> COMPLETED"])
        #expect(try store.verifyAudit().intact)

        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_never_updated")
            try db.execute(sql: "UPDATE audit_log SET detail = '{}' WHERE id = 3")
        }
        let edited = try store.verifyAudit()
        #expect(edited.problems == ["row 3 was changed after it was written"])
        try queue.write { db in
            try db.execute(sql: "DROP TRIGGER audit_never_deleted")
            try db.execute(sql: "DELETE FROM audit_log WHERE id = 2")
        }
        let deleted = try store.verifyAudit().problems
        #expect(deleted.contains("rows 2–2 are missing"))
        #expect(deleted.contains("row 3 does not follow row 1: the chain is broken"))
    }

    @Test func calibrationsAreStoredOncePerContent() throws {
        let store = try Store(path: temporaryStorePath())
        let lot = CalibrationLot(schema: "precis.lot/1", lot: "L1", assay: "crp", version: 1, source: "manufacturer",
                                 manufactured: CalendarDate(iso: "2026-01-01")!, expiry: CalendarDate(iso: "2027-01-01")!,
                                 response: "tc-ratio", model: .fourPL(a: 0, b: 1, c: 1, d: 2), limitOfDetection: 1,
                                 measuringRange: ValueRange(low: 1, high: 100))
        let a = try store.saveCalibration(lot, content: "{}", sha256: "abc", at: now)
        let b = try store.saveCalibration(lot, content: "{}", sha256: "abc", at: now)
        let c = try store.saveCalibration(lot, content: "{ }", sha256: "abd", at: now)
        #expect(a == b)
        #expect(c != a)
    }

    @Test func timestampsReadBackFormatAsTheyWereWritten() throws {
        // Half of all millisecond times once came back a millisecond early (see Timestamp.string).
        var changed: [String] = []
        for step in 0..<20_000 {
            let date = now.addingTimeInterval(Double(step) * 1.234_567_8)
            let text = Timestamp.string(date)
            let again = try #require(Timestamp.date(text))
            if Timestamp.string(again) != text { changed.append(text) }
            #expect(abs(again.timeIntervalSince(date)) <= 0.000_5 + 1e-6)
        }
        #expect(changed.isEmpty, "\(changed.count) of 20000 changed, first \(changed.prefix(3))")
    }
}
