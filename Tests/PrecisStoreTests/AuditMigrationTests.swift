import Foundation
import GRDB
import PrecisCore
import PrecisStore
import Testing

/// A store written by Precis before v5 (Fixtures/pre-v5.sqlite, made with the code of commit
/// f4913d2: three runs — completed, aborted, invalid — two results delivered to the test
/// centre, a sequencing run, four QC runs and lockouts, one acknowledged, a supervisor).
@Suite struct AuditMigrationTests {
    static func copyOfFixture() throws -> String {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pre-v5.sqlite")
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        return path
    }

    @Test func aPreV5StoreMigratesAndVerifiesIntact() throws {
        let path = try Self.copyOfFixture()
        let store = try Store(path: path)
        let verification = try store.verifyAudit()
        #expect(verification.problems == [])
        #expect(verification.rows == 29 + 23 + 4)
        // 2 instruments, a lot, an operator, 3 runs, 3 traces, 2 results, 2 entries, 1+4+4; and from v9 the
        // sequencing run as a run, its details and its reads file.
        #expect(verification.records == 23 + 3)
        let rows = try store.auditEntries()
        #expect(rows.prefix(29).allSatisfy { $0.contentDigest == nil })          // the old rows are left as they were
        let backfilled = rows.dropFirst(29).prefix(23)
        #expect(backfilled.allSatisfy { $0.action == "digest recorded at migration" && $0.actor == "system" && $0.contentDigest != nil })
        #expect(Set(backfilled.map(\.entity)) == ["instrument", "calibration", "operator", "run", "raw-trace", "result", "outbox",
                                                  "sequencing-run", "qc", "qc-lockout"])
        #expect(rows.suffix(4).map(\.entity) == ["run", "sequencing-detail", "raw-data", "sequencing-run"])
        #expect(rows.suffix(4).allSatisfy { $0.actor == "migration v9" })
        _ = try Store(path: path)                                                // a second open migrates nothing again
        #expect(try store.auditEntries().count == 56)
    }

    @Test func aMigratedStoreCatchesTamperingAfterwards() throws {
        let path = try Self.copyOfFixture()
        let store = try Store(path: path)
        let run = try #require(try store.auditEntries(entity: "run", entityID: "1").last)
        try attack(path, "UPDATE runs SET sample_id = 'S-EVIL1' WHERE id = 1")
        #expect(try store.verifyAudit().problems == ["run 1: its sample_id differs from what audit row \(run.id) recorded"])
    }
}
