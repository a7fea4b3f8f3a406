import Foundation
import GRDB
import PrecisCore
import PrecisStore
import Testing

/// `Store.changeCount` moves with every write a kiosk view is made from, whichever process
/// (here: a second `Store` over the same file, as `precis upload` in a terminal is) writes it,
/// and stands still while only reads happen: a view kept at one count is the store's view.
@Suite struct StoreChangeCountTests {
    @Test("each write from another connection moves the count; reads do not")
    func everyWriteMovesTheCount() throws {
        let path = temporaryStorePath()
        let kiosk = try Store(path: path)
        let other = try Store(path: path)
        var last = try kiosk.changeCount()
        func moved(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let now = try kiosk.changeCount()
            #expect(now > last, "\(what) did not move the count (\(last) → \(now))", sourceLocation: sourceLocation)
            last = now
        }
        let run = try newRun(other)
        try moved("a run begun")
        _ = try other.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: profile(11), expectedCount: 11, complete: true),
                                  result: result(), destinations: ["centre"], linkReport: nil, at: now, actor: "tech1")
        try moved("a run completed")
        _ = try kiosk.outbox(states: nil)
        _ = try kiosk.run(run.id)
        #expect(try kiosk.changeCount() == last, "reads move nothing")
        let claimed = try other.claimDue(destination: "centre", owner: "u1", now: now, lease: 30, limit: 5)
        #expect(claimed.count == 1)
        try moved("an outbox entry claimed (not audited: the lease alone)")
        #expect(try other.renewLease(claimed[0].id, owner: "u1", now: now, lease: 30))
        try moved("a lease renewed")
        #expect(try other.markDelivered(claimed[0].id, owner: "u1", at: now, note: "201"))
        try moved("an entry delivered")
    }

    @Test("every counted table has its insert, update and delete trigger")
    func everyCountedTableIsWatched() throws {
        let path = temporaryStorePath()
        _ = try Store(path: path)
        let names = try DatabaseQueue(path: path).read {
            try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_counted'")
        }
        let tables = ["instruments", "calibrations", "runs", "raw_traces", "results", "outbox", "audit_log",
                      "qc_runs", "qc_results", "qc_lockouts", "raw_data", "sequencing_details", "inbox_uploads", "inbox_parts"]
        #expect(Set(names) == Set(tables.flatMap { t in ["insert", "update", "delete"].map { "\(t)_\($0)_counted" } }))
    }
}
