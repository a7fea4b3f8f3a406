import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// A clock the test moves.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func set(_ date: Date) { lock.withLock { current = date } }
}

/// The centre is away for a week (a clock the test controls): results queue, the backoff
/// stays bounded, and everything drains once the centre is back.
@Suite(.serialized) struct OfflineWeekTests {
    /// A loopback port nothing listens on (yet).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func aWeekOfflineQueuesWithBoundedBackoffThenDrains() async throws {
        let folder = try TestPaths.temporaryFolder("offline")
        let store = try storeWithResults(10, at: folder.appendingPathComponent("p.sqlite").path)
        let down = folder.appendingPathComponent("down")
        try Data().write(to: down)
        let centre = try TestCentre(["--down-file", down.path], folder: folder)
        defer { centre.stop() }
        let destination = try centreDestination(centre.url)
        let start = Date()
        let clock = TestClock(start)
        let policy = RetryPolicy(base: 30, cap: 3600, lease: 120)
        let uploader = Uploader(store: store, destinations: [destination], owner: "1@test", clock: { clock.now }, policy: policy)
        var passes = 0, longestWait = 0.0
        while clock.now < start.addingTimeInterval(7 * 86400) {
            let summary = try await uploader.runOnce()
            #expect(summary.delivered == 0)
            let pending = try store.outbox(states: [.pending])
            #expect(pending.count == 10)   // nothing lost, nothing failed for good
            // Jump to when every entry is due again: each pass then tries all of them.
            let next = pending.compactMap { Timestamp.date($0.nextAttemptAt) }.max() ?? clock.now
            for entry in pending {
                let wait = Timestamp.date(entry.nextAttemptAt)!.timeIntervalSince(clock.now)
                longestWait = max(longestWait, wait)
                #expect(wait <= policy.cap + 1)
            }
            clock.set(max(next, clock.now.addingTimeInterval(1)))
            passes += 1
        }
        let attempts = try store.outbox().map(\.attempts)
        #expect(attempts.allSatisfy { $0 >= 7 * 24 && $0 <= 7 * 24 * 2 + 20 }, "attempts \(attempts)")   // about hourly, bounded
        // The clock is set exactly to the latest due time, so every pass tries every entry (a due
        // time read back a millisecond early once left entries out of passes).
        #expect(attempts.allSatisfy { $0 == passes }, "attempts \(attempts), passes \(passes)")
        #expect(longestWait > 1800)   // the backoff did grow to the cap's scale

        try FileManager.default.removeItem(at: down)   // the centre is back
        clock.set(clock.now.addingTimeInterval(policy.cap + 1))
        let back = try await uploader.runOnce()
        #expect(back.delivered == 10)
        #expect(try store.outbox(states: [.pending, .inFlight, .failed]).isEmpty)
        #expect(try centre.stats().observations.rows == 10)
        print("offline week: \(passes) passes, \(attempts.max() ?? 0) attempts per result, longest wait \(Int(longestWait)) s")
        await destination.shutdown()
    }

    @Test func aCentreThatDoesNotAnswerCostsOneTimeoutPerPassNotOnePerResult() async throws {
        let folder = try TestPaths.temporaryFolder("unreachable")
        let store = try storeWithResults(6, at: folder.appendingPathComponent("p.sqlite").path)
        let destination = try centreDestination("http://127.0.0.1:\(try Self.freePort())/fhir") { $0.timeoutSeconds = 1 }
        let uploader = Uploader(store: store, destinations: [destination], owner: "1@test")
        let summary = try await uploader.runOnce()
        #expect(summary.retrying == 6)
        #expect(summary.lines.filter { $0.contains("not tried") }.count == 5)
        #expect(try store.outbox(states: [.pending]).count == 6)
        await destination.shutdown()
    }
}
