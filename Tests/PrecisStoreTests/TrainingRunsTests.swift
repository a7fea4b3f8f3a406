import Foundation
import GRDB
import PrecisCore
import PrecisStore
import Testing

/// Migration v6-training-runs: a run carries whether it was simulated or replayed.
@Suite struct TrainingRunsTests {
    @Test func aTrainingRunIsMarkedThroughToItsOutboxEntryAndOldRowsStayPatientRuns() throws {
        let path = temporaryStorePath()
        let store = try Store(path: path)
        try store.saveInstrument(reader, endpoint: "sim:lfr", at: now)
        let training = try store.beginRun(NewRun(sampleID: "S-0001", patientID: nil, assay: "crp", instrument: reader,
                                                 endpoint: "sim:lfr", calibrationID: nil, cartridgeID: nil, operatorID: "tech1",
                                                 owner: "1@host", training: true), at: now)
        #expect(training.training)
        let done = try store.completeRun(training.id, raw: RawTrace(kind: "lfr-profile", profile: profile(3), expectedCount: 3, complete: true),
                                         result: result(), destinations: ["centre"], linkReport: nil, at: now, actor: "tech1")
        #expect(done.outbox.first?.training == true)
        #expect(try store.package(forRun: training.id).run.training)
        #expect(try store.auditEntries(entity: "run", entityID: String(training.id)).first?.detail.contains("training") == true)
        #expect(try newRun(store, sample: "S-0002").training == false, "a run not said to be training is a patient's")

        // A row written as Precis wrote runs before v6 (no training column given) reads as a patient run.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO runs (uid, sample_id, assay, instrument_id, endpoint, operator, owner, status, started_at)
                VALUES ('old-run', 'S-0003', 'crp', ?, 'sim:lfr', 'tech1', '1@host', 'COMPLETED', '2026-01-01T00:00:00.000Z')
                """, arguments: [reader.instrumentID])
        }
        #expect(try store.runs().first { $0.uid == "old-run" }?.training == false)
    }
}
