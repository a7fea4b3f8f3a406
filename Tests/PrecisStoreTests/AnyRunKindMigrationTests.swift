import Foundation
import GRDB
import PrecisCore
import PrecisStore
import Testing

/// Migration v10: a run's kind is any family's name. A store from before (v8 listed four kinds
/// in a CHECK) keeps every row, verifies, and then takes a run of a kind it never knew, whose
/// audit rows verify too; a changed kind is still caught by the audit.
@Suite struct AnyRunKindMigrationTests {
    static let tables = RunKindsMigrationTests.v7Tables + ["raw_data", "sequencing_details"]

    @Test func aV8StoreKeepsItsRowsAndTakesANewFamilysKind() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/v8.sqlite")
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        // What v8 refuses: a kind outside its list.
        let old = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) {
            try old.write { try $0.execute(sql: "UPDATE runs SET kind = 'absorbance' WHERE id = (SELECT MIN(id) FROM runs)") }
        }
        try old.close()

        let store = try Store(path: path)
        let before = try RunKindsMigrationTests.dump(path, tables: Self.tables)
        #expect(try store.verifyAudit().problems == [])
        let obp = DeviceIdentity(family: "obp", serial: "OBP-1", firmware: "1.3", instrumentCalibrationID: nil)
        try store.saveInstrument(obp, endpoint: "sim:obp", at: now)
        let run = try store.beginRun(NewRun(sampleID: "S-0100", patientID: nil, assay: "hb", instrument: obp, endpoint: "sim:obp",
                                            calibrationID: nil, cartridgeID: nil, operatorID: "tech1", owner: "1@host",
                                            kind: RunKind("absorbance")), at: now)
        _ = try store.completeRun(run.id, raw: [NewRawData(kind: RawDataKind("spectra"), mediaType: "text/csv", bytes: Data("w\n".utf8),
                                                           complete: true, summaryJSON: "{}")],
                                  results: [result()], destinations: [], linkReport: nil, at: now, actor: "tech1")
        #expect(try store.run(run.id)?.kind == RunKind("absorbance"))
        #expect(try store.rawData(forRun: run.id).map(\.kind) == [RawDataKind("spectra")])
        #expect(try store.verifyAudit().problems == [])
        let after = try RunKindsMigrationTests.dump(path, tables: Self.tables)
        for table in Self.tables {
            let gone = Set(before[table] ?? []).subtracting(after[table] ?? [])
            #expect(gone.isEmpty, "\(table): rows changed or lost: \(gone)")
        }
        // The schema lost the CHECK and nothing else: the columns are those v9 left.
        let columns = try DatabaseQueue(path: path).read { try $0.columns(in: "runs").map(\.name) }
        #expect(columns.contains("kind") && columns.contains("training"))

        try attack(path, "UPDATE runs SET kind = 'strip' WHERE id = \(run.id)")
        #expect(try store.verifyAudit().problems.contains { $0.hasPrefix("run \(run.id): its kind differs") })
    }
}
