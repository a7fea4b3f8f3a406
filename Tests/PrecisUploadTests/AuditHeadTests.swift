import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// Every delivery carries the audit chain's head; the destinations keep it, the store keeps
/// what they acknowledged, and `verify` finds a tail cut off the chain by it.
@Suite(.serialized) struct AuditHeadTests {
    /// Edits the store's file with the sqlite3 shell, as an attacker would.
    func attack(_ path: String, _ sql: String) throws {
        let run = try runProcess("/usr/bin/sqlite3", [path, sql])
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func theCentreKeepsTheHeadAndACutTailIsCaughtByIt() async throws {
        let folder = try TestPaths.temporaryFolder()
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        let path = folder.appendingPathComponent("p.sqlite").path
        let store = try storeWithResults(3, at: path)
        let destination = try centreDestination(centre.url)
        #expect(try await Uploader(store: store, destinations: [destination], owner: "1@test").runOnce().delivered == 3)
        await destination.shutdown()
        let received = try centre.heads()
        #expect(received.count == 3)
        let acknowledged = try #require(try store.acknowledgedHeads().first)
        #expect(acknowledged.destination == "centre")
        #expect(acknowledged.head == received.last)                   // what the centre holds is what the store kept
        #expect(try store.verifyAudit().intact)

        let last = try #require(try store.auditEntries().last).id
        try attack(path, "DROP TRIGGER audit_never_deleted; DELETE FROM audit_log WHERE id > \(last - 3)")
        let problems = try store.verifyAudit().problems
        let head = acknowledged.head
        #expect(problems.first == "the chain ends at row \(last - 3), before the head \(head.sequence) (hash \(head.hash.prefix(12))…), "
                + "which centre acknowledged on \(acknowledged.acknowledgedAt ?? "?"): rows were cut from its tail")

        // An attacker who also removes the store's own record of it is still caught by the centre's.
        try attack(path, "DELETE FROM audit_heads")
        let given = AcknowledgedHead(destination: "the centre", head: try #require(received.last), acknowledgedAt: nil)
        #expect(try store.verifyAudit(heads: [given]).problems.contains {
            $0.hasPrefix("the chain ends at row \(last - 3), before the head \(head.sequence)") && $0.contains("which the centre gave")
        })
    }

    @Test func theLISGetsTheHeadInAZPRSegment() async throws {
        let lis = try TestCentre(["--answers", "AA"], folder: try TestPaths.temporaryFolder("lis"), script: "test_lis.py")
        defer { lis.stop() }
        let store = try storeWithResults(2, at: try TestPaths.temporaryFolder("lis-store").appendingPathComponent("p.sqlite").path,
                                         destinations: ["lis"])
        let destination = try HL7Destination(configuration: LISConfiguration(host: "127.0.0.1", port: lis.port), sender: sender)
        #expect(try await Uploader(store: store, destinations: [destination], owner: "1@test").runOnce().delivered == 2)
        let log = try String(contentsOfFile: lis.db, encoding: .utf8)
        let zpr = log.split(separator: "\n").compactMap { $0.components(separatedBy: "|~|").last }
        let acknowledged = try #require(try store.acknowledgedHeads().first)
        #expect(acknowledged.destination == "lis")
        #expect(zpr.count == 2 && zpr.allSatisfy { $0.hasPrefix("ZPR|") })
        #expect(zpr.last == "ZPR|\(acknowledged.head.sequence)|\(acknowledged.head.hash)")
        #expect(try store.verifyAudit().intact)
    }
}
