import Foundation
import GRDB
import PrecisCore
@testable import PrecisStore
import Testing

/// Edits the store's file as an attacker would: a second connection, no foreign keys, no Precis.
func attack(_ path: String, _ sql: String) throws {
    var config = Configuration()
    config.foreignKeysEnabled = false
    try DatabaseQueue(path: path, configuration: config).write { try $0.execute(sql: sql) }
}

/// A store with one completed run queued for `centre`; audit rows 1 instrument, 2 run started,
/// 3 raw trace, 4 result, 5 outbox entry, 6 run completed.
func completedStore() throws -> (store: Store, path: String, run: RunRecord) {
    let path = temporaryStorePath()
    let store = try Store(path: path)
    let run = try newRun(store)
    _ = try store.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: profile(5), expectedCount: 5, complete: true),
                              result: result(), destinations: ["centre"], linkReport: nil, at: now, actor: "tech1")
    return (store, path, run)
}

/// Every kind of tampering of issue 13 that `verify` did not see, each caught and named.
@Suite struct AuditContentTests {
    @Test func anUntouchedStoreVerifiesAndEveryRecordHasItsRow() throws {
        let (store, _, _) = try completedStore()
        let verification = try store.verifyAudit()
        #expect(verification.problems == [])
        #expect(verification.records == 5)   // instrument, run, raw trace, result, outbox entry
        #expect(try store.auditEntries().map(\.entity) == ["instrument", "run", "raw-trace", "result", "outbox", "run"])
        #expect(try store.auditEntries().allSatisfy { $0.contentDigest?.hasPrefix("c1:") == true })
    }

    @Test func anEditedResultValueIsNamed() throws {
        let (store, path, _) = try completedStore()
        try attack(path, "DROP TRIGGER results_never_updated; UPDATE results SET value = 1.2 WHERE id = 1")
        #expect(try store.verifyAudit().problems == ["result 1: its value differs from what audit row 4 recorded"])
    }

    @Test func aResultMovedToAnotherSampleIsNamed() throws {
        let (store, path, _) = try completedStore()
        try attack(path, "UPDATE runs SET sample_id = 'S-EVIL1'")
        #expect(try store.verifyAudit().problems == ["run 1: its sample_id differs from what audit row 6 recorded"])
    }

    @Test func aPatientRunMarkedTrainingOrATrainingRunUnmarkedIsNamed() throws {
        let (store, path, _) = try completedStore()
        try attack(path, "UPDATE runs SET training = 1")
        let marked = try store.verifyAudit().problems
        #expect(marked.count == 1 && marked[0].hasPrefix("run 1: its training differs"), "\(marked)")
        try attack(path, "UPDATE runs SET training = 0")
        #expect(try store.verifyAudit().intact, "the flag back as it was recorded verifies again")
    }

    @Test func aZeroedRawTraceIsNamed() throws {
        let (store, path, _) = try completedStore()
        try attack(path, "UPDATE raw_traces SET values_u16 = zeroblob(length(values_u16))")
        #expect(try store.verifyAudit().problems == ["raw trace 1: its values_u16 differs from what audit row 3 recorded"])
    }

    @Test func aDeletedOutboxEntryIsNamed() throws {
        let (store, path, _) = try completedStore()
        try attack(path, "DELETE FROM outbox")
        #expect(try store.verifyAudit().problems == ["outbox entry 1 is gone from the store: audit row 5 recorded it"])
    }

    @Test func aWholeDeletedRunIsNamedPieceByPiece() throws {
        let (store, path, _) = try completedStore()
        try attack(path, """
            DROP TRIGGER results_never_deleted;
            DELETE FROM outbox; DELETE FROM results; DELETE FROM raw_traces; DELETE FROM runs;
            """)
        #expect(try store.verifyAudit().problems == [
            "run 1 is gone from the store: audit row 6 recorded it",
            "raw trace 1 is gone from the store: audit row 3 recorded it",
            "result 1 is gone from the store: audit row 4 recorded it",
            "outbox entry 1 is gone from the store: audit row 5 recorded it",
        ])
    }

    @Test func aRecordAddedOutsidePrecisHasNoAuditRow() throws {
        let (store, path, _) = try completedStore()
        try attack(path, """
            INSERT INTO results (uid, run_id, status, analyte, loinc_code, loinc_display, value, unit, decimals, flags,
                                 analysis, created_at)
            SELECT 'forged', run_id, 'FINAL', analyte, loinc_code, loinc_display, 3.0, unit, decimals, '', analysis, created_at
            FROM results WHERE id = 1
            """)
        #expect(try store.verifyAudit().problems == ["result 2 has no audit row: it was stored outside Precis"])
    }

    @Test func theLastThreeRowsCutOffAreCaughtByTheAcknowledgedHead() throws {
        let (store, path, _) = try completedStore()
        let entry = try #require(try store.claimDue(destination: "centre", owner: "up", now: now, lease: 60, limit: 1).first)
        let head = try #require(try store.package(for: entry).auditHead)
        #expect(head.sequence == 7)                       // the lease, the newest row when the package was made
        #expect(try store.markDelivered(entry.id, owner: "up", at: now, note: "201", head: head))
        #expect(try store.acknowledgedHeads().map(\.head) == [head])
        #expect(try store.verifyAudit().intact)

        try attack(path, "DROP TRIGGER audit_never_deleted; DELETE FROM audit_log WHERE id > 5")
        let problems = try store.verifyAudit().problems
        #expect(problems.first == "the chain ends at row 5, before the head 7 (hash \(head.hash.prefix(12))…), which centre "
                + "acknowledged on \(Timestamp.string(now)): rows were cut from its tail")
        #expect(problems.dropFirst() == ["run 1: its ended_at and status differ from what audit row 2 recorded",
                                         "outbox entry 1: its state differs from what audit row 5 recorded"])
    }

    @Test func aRewrittenChainNoLongerHoldsTheAcknowledgedHead() throws {
        let (store, _, _) = try completedStore()
        let given = AcknowledgedHead(destination: "the centre's record", head: AuditHead(sequence: 4, hash: String(repeating: "a", count: 64)),
                                     acknowledgedAt: nil)
        let problems = try store.verifyAudit(heads: [given]).problems
        #expect(problems == ["row 4 is not the head 4 (hash aaaaaaaaaaaa…), which the centre's record gave: the chain was rewritten"])
    }

    @Test func anEditedDigestInAnAuditRowBreaksThatRow() throws {
        let (store, path, _) = try completedStore()
        try attack(path, "DROP TRIGGER audit_never_updated; UPDATE audit_log SET content_digest = NULL WHERE id = 4")
        #expect(try store.verifyAudit().problems == ["row 4 was changed after it was written",
                                                     "result 1 has no audit row: it was stored outside Precis"])
    }

    @Test func aVoidAndADeliveryWriteNewDigestsAndStillVerify() throws {
        let (store, _, run) = try completedStore()
        let entry = try #require(try store.claimDue(destination: "centre", owner: "up", now: now, lease: 60, limit: 1).first)
        try store.markRetry(entry.id, owner: "up", at: now, error: "503", next: now)
        _ = try store.voidResult(runID: run.id, supervisor: "sup1", reason: "wrong cartridge", at: now)
        #expect(try store.verifyAudit().problems == [])
        #expect(try store.verifyAudit().records == 6)
    }

    @Test func sequencingQCAndOperatorsAreCoveredToo() throws {
        let path = temporaryStorePath()
        let store = try Store(path: path)
        let nps = DeviceIdentity(family: "nps", serial: "NPS-1", firmware: "1.0", instrumentCalibrationID: "FC-1")
        try store.saveInstrument(nps, endpoint: "sim:nps", at: now)
        let seq = try store.beginRun(NewRun(
            sampleID: "S-9", patientID: nil, assay: "nanopore-run", instrument: nps, endpoint: "sim:nps", calibrationID: nil,
            cartridgeID: nil, operatorID: "tech1", owner: "1@host", kind: .sequencing,
            sequencing: SequencingDetail(flowCellID: "FC-1", channels: 4, sampleRate: 4000, readsPath: "/tmp/x.blow5")), at: now)
        try store.abortRun(seq.id, error: PrecisError(.disconnected, "unplugged"), partial: [NewRawData(
            kind: .reads, mediaType: "application/octet-stream", content: nil, path: "/tmp/x.blow5", size: 10,
            sha256: String(repeating: "a", count: 64), complete: false, summaryJSON: "{}")], linkReport: nil, at: now)
        _ = try store.recordQC(assay: "crp", instrumentID: "lfr:LFR-0042", materialLot: "QC-1", values: [1: 4.8], unit: "mg/L",
                               runID: nil, operatorID: "tech1", at: now) { _ in QCDecision(rejecting: [], warnings: [], detail: "{}") }
        try store.saveOperator(OperatorRecord(id: "op1", role: "operator", salt: [1], iterations: 1, hash: [2]), actor: "sup1", at: now)
        if case .success(let attempt) = try store.beginSignIn(operatorID: "nobody", maxFailed: 5, lockout: 300, at: now) {
            try store.finishSignIn(attempt, operatorID: "nobody", ok: false, at: now)     // no such operator: nothing to digest
        }
        #expect(try store.verifyAudit().problems == [])
        try attack(path, """
            DROP TRIGGER sequencing_details_never_updated; UPDATE sequencing_details SET reads_path = '/tmp/y.blow5';
            DROP TRIGGER qc_results_never_changed; UPDATE qc_results SET value = 5.0;
            UPDATE operators SET role = 'supervisor'
            """)
        #expect(try store.verifyAudit().problems == [
            "operator op1: its role differs from what audit row 7 recorded",
            "QC run 1: its qc_result 1 value differs from what audit row 6 recorded",
            "sequencing detail 1: its reads_path differs from what audit row 3 recorded",
        ])
    }

    @Test func theDigestIsTheDocumentedEncoding() {
        // SHA-256 of "15:precis.audit.c1" "6:outbox" "2:id" "i" "1:7" "5:state" "t" "7:pending", by Python's hashlib.
        let digest = ContentDigest(kind: .outbox, fields: [(name: "state", value: "pending".databaseValue),
                                                            (name: "id", value: Int64(7).databaseValue)])
        #expect(digest.digest == "c1:bef0155531474026e89ec8c88c8fd8b6975e3e8f3750904fdf0fc908ef0f346c")
        #expect(digest.fields == "id=8fb3b440,state=f3e26774")
    }
}
