import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// The outbox's leases in the store: claimed atomically, settled only by their holder, taken
/// over when they run out, and every change audited.
@Suite struct LeasingTests {
    func store(_ count: Int, destinations: [String] = ["centre"]) throws -> Store {
        let folder = try TestPaths.temporaryFolder("leasing")
        return try storeWithResults(count, at: folder.appendingPathComponent("p.sqlite").path, destinations: destinations)
    }

    @Test func aClaimLeasesDueEntriesAndCountsTheAttempt() throws {
        let store = try store(3)
        let claimed = try store.claimDue(destination: "centre", owner: "A", now: Date().addingTimeInterval(1), lease: 60, limit: 2)
        #expect(claimed.count == 2)
        #expect(claimed.allSatisfy { $0.state == .inFlight && $0.attempts == 1 })
        // Leased entries are not due for anyone else, nor for another destination's uploader.
        let rest = try store.claimDue(destination: "centre", owner: "B", now: Date().addingTimeInterval(2), lease: 60, limit: 10)
        #expect(rest.map(\.id) == [3])
        #expect(try store.claimDue(destination: "lis", owner: "B", now: Date().addingTimeInterval(2), lease: 60, limit: 10).isEmpty)
    }

    @Test func onlyTheLeaseHolderSettlesAndAnExpiredLeaseIsTakenOver() throws {
        let store = try store(1)
        let now = Date().addingTimeInterval(1)
        let first = try #require(try store.claimDue(destination: "centre", owner: "A", now: now, lease: 10, limit: 1).first)
        #expect(try store.claimDue(destination: "centre", owner: "B", now: now.addingTimeInterval(9), lease: 10, limit: 1).isEmpty)
        #expect(try !store.markDelivered(first.id, owner: "B", at: now, note: "not mine"))
        // A dies; ten seconds later its lease has run out and B takes the entry over.
        let taken = try #require(try store.claimDue(destination: "centre", owner: "B", now: now.addingTimeInterval(10), lease: 10, limit: 1).first)
        #expect(taken.id == first.id)
        #expect(taken.attempts == 2)
        #expect(try !store.markDelivered(first.id, owner: "A", at: now.addingTimeInterval(11), note: "too late"))
        #expect(try store.markDelivered(first.id, owner: "B", at: now.addingTimeInterval(11), note: "201"))
        let entry = try #require(try store.outbox().first)
        #expect(entry.state == .delivered)
        #expect(entry.deliveredAt != nil)
        // Delivered is final: no one claims it again, however late.
        #expect(try store.claimDue(destination: "centre", owner: "C", now: now.addingTimeInterval(86400), lease: 10, limit: 1).isEmpty)
    }

    @Test func aRetryWaitsUntilItsTimeAndKeepsTheReason() throws {
        let store = try store(1)
        let now = Date().addingTimeInterval(1)
        let entry = try #require(try store.claimDue(destination: "centre", owner: "A", now: now, lease: 60, limit: 1).first)
        #expect(try store.markRetry(entry.id, owner: "A", at: now, error: "503 from the centre: maintenance", next: now.addingTimeInterval(30)))
        let waiting = try #require(try store.outbox().first)
        #expect(waiting.state == .pending)
        #expect(waiting.lastError == "503 from the centre: maintenance")
        #expect(Timestamp.date(waiting.nextAttemptAt).map { abs($0.timeIntervalSince(now) - 30) < 0.01 } == true)
        #expect(try store.claimDue(destination: "centre", owner: "A", now: now.addingTimeInterval(29), lease: 60, limit: 1).isEmpty)
        #expect(try store.claimDue(destination: "centre", owner: "A", now: now.addingTimeInterval(30), lease: 60, limit: 1).count == 1)
    }

    @Test func aFailedEntryStaysUntilRetriedByHand() throws {
        let store = try store(1)
        let now = Date().addingTimeInterval(1)
        let entry = try #require(try store.claimDue(destination: "centre", owner: "A", now: now, lease: 60, limit: 1).first)
        #expect(try store.markFailed(entry.id, owner: "A", at: now, error: "400 from the centre: unknown LOINC code"))
        #expect(try store.claimDue(destination: "centre", owner: "A", now: now.addingTimeInterval(30 * 86400), lease: 60, limit: 1).isEmpty)
        #expect(try store.outbox(states: [.failed]).first?.lastError == "400 from the centre: unknown LOINC code")
        let back = try store.retryOutbox(entry.id, actor: "tech1", at: now.addingTimeInterval(60))
        #expect(back.state == .pending)
        #expect(try store.claimDue(destination: "centre", owner: "A", now: now.addingTimeInterval(61), lease: 60, limit: 1).count == 1)
        #expect(try store.markDelivered(entry.id, owner: "A", at: now.addingTimeInterval(62), note: "201"))
        #expect(throws: PrecisError.self) { try store.retryOutbox(entry.id, actor: "tech1", at: now) }   // delivered: nothing to retry
        #expect(throws: PrecisError.self) { try store.retryOutbox(999, actor: "tech1", at: now) }
    }

    @Test func everyStateChangeIsAuditedAndTheChainHolds() throws {
        let store = try store(1)
        let now = Date().addingTimeInterval(1)
        let id = try #require(try store.outbox().first?.id)
        _ = try store.claimDue(destination: "centre", owner: "A", now: now, lease: 60, limit: 1)
        try store.markRetry(id, owner: "A", at: now, error: "500", next: now)
        _ = try store.claimDue(destination: "centre", owner: "A", now: now, lease: 60, limit: 1)
        try store.markFailed(id, owner: "A", at: now, error: "422")
        _ = try store.retryOutbox(id, actor: "tech1", at: now)
        _ = try store.claimDue(destination: "centre", owner: "B", now: now, lease: 60, limit: 1)
        try store.markDelivered(id, owner: "B", at: now, note: "201")
        let actions = try store.auditEntries(entity: "outbox", entityID: String(id)).map(\.action)
        #expect(actions == ["queued", "leased", "retry later", "leased", "failed permanently", "retry requested", "leased", "delivered"])
        #expect(try store.verifyAudit().intact)
    }

    /// Two uploaders (two connections, as two processes would have) claim from the same outbox
    /// at once: no entry is ever held by both.
    @Test func concurrentClaimersNeverShareAnEntry() async throws {
        let folder = try TestPaths.temporaryFolder("leasing")
        let path = folder.appendingPathComponent("p.sqlite").path
        _ = try storeWithResults(120, at: path)
        let now = Date().addingTimeInterval(1)
        async let a = Self.claimAll(try Store(path: path), owner: "A", now: now)
        async let b = Self.claimAll(try Store(path: path), owner: "B", now: now)
        let (fromA, fromB) = try await (a, b)
        #expect(Set(fromA).isDisjoint(with: Set(fromB)))
        #expect(fromA.count + fromB.count == 120)
        #expect(Set(fromA + fromB).count == 120)
    }

    @Test func aLeaseIsRenewedOnlyByItsHolder() throws {
        let store = try store(1)
        let now = Date().addingTimeInterval(1)
        let entry = try #require(try store.claimDue(destination: "centre", owner: "A", now: now, lease: 10, limit: 1).first)
        #expect(try store.renewLease(entry.id, owner: "A", now: now.addingTimeInterval(9), lease: 10))
        // Renewed at 9 s for 10 s: still A's at 15 s.
        #expect(try store.claimDue(destination: "centre", owner: "B", now: now.addingTimeInterval(15), lease: 10, limit: 1).isEmpty)
        #expect(try !store.renewLease(entry.id, owner: "B", now: now.addingTimeInterval(15), lease: 10))
        #expect(try store.claimDue(destination: "centre", owner: "B", now: now.addingTimeInterval(19), lease: 10, limit: 1).count == 1)
        #expect(try !store.renewLease(entry.id, owner: "A", now: now.addingTimeInterval(19), lease: 10))
    }

    /// An uploader whose claim outlived its lease (a slow centre) does not send the entries that
    /// another uploader has meanwhile taken over. (The one whose send itself outlasted the lease
    /// is taken over too, and will be sent again: that is what conditional create is for, and why
    /// a lease must be longer than a request's timeout.)
    @Test func entriesTakenOverWhileASlowPassRunsAreNotSentTwice() async throws {
        let store = try store(3)
        let clock = LISTestClock(Date().addingTimeInterval(1))
        let slow = SlowDestination(clock: clock) {
            // While A's first send hangs past its lease, B claims all three.
            let taken = try store.claimDue(destination: "centre", owner: "B", now: clock.now, lease: 10, limit: 10)
            #expect(taken.count == 3)
        }
        let a = Uploader(store: store, destinations: [slow], owner: "A", clock: { clock.now },
                         policy: RetryPolicy(base: 1, cap: 4, lease: 10, random: { 0 }))
        let summary = try await a.runOnce()
        #expect(summary.delivered == 0)                                   // sent once, but B holds it: B settles it
        #expect(summary.lines.first?.contains("another uploader had taken it over") == true)
        #expect(slow.sent.count == 1)
        #expect(summary.lines.filter { $0.contains("taken over by another uploader") }.count == 2)
        #expect(try store.outbox(states: [.inFlight]).count == 3)       // B's to send and settle: A's word no longer counts
    }

    static func claimAll(_ store: Store, owner: String, now: Date) async throws -> [Int64] {
        var ids: [Int64] = []
        while true {
            let batch = try store.claimDue(destination: "centre", owner: owner, now: now, lease: 600, limit: 3)
            if batch.isEmpty { return ids }
            ids += batch.map(\.id)
            await Task.yield()
        }
    }
}

/// A destination whose first delivery takes 11 s of the test's clock, running `meanwhile` before answering.
final class SlowDestination: Destination, @unchecked Sendable {
    let name = "centre"
    let clock: LISTestClock
    let meanwhile: () throws -> Void
    private(set) var sent: [Int64] = []

    init(clock: LISTestClock, meanwhile: @escaping () throws -> Void) {
        self.clock = clock
        self.meanwhile = meanwhile
    }

    func deliver(_ package: ResultPackage) async throws -> String {
        if sent.isEmpty {
            clock.advance(11)
            try meanwhile()
        }
        sent.append(package.entry.id)
        return "201"
    }

    func payload(_ package: ResultPackage) throws -> Data { Data() }
}
