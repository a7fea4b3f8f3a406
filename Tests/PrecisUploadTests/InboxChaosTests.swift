import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport
import Testing

/// A 512 MiB reads file to the S3 inbox while the proxy fails a third of the requests and the
/// uploader is killed with SIGKILL at least 10 times: afterwards the inbox holds exactly one
/// object for the file, whose decryption (crypt4gh, PyPI) has the plain file's SHA-256; fewer
/// than 1.3 × its encrypted size in bytes crossed the link; the uploader's peak RSS is reported
/// and stays under 100 MB. `PRECIS_CHAOS_LONG=1` runs 2 GiB and 30 kills.
@Suite(.serialized) struct InboxChaosTests {
    static let long = ProcessInfo.processInfo.environment["PRECIS_CHAOS_LONG"] == "1"

    /// The peak resident set (VmHWM) of process `pid`, bytes; nil once it is gone.
    static func peakRSS(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kib * 1024
    }

    /// Parts the server took so far, as the store records them.
    static func parts(_ store: Store) throws -> Int { try store.inboxUploads().first?.partsSent ?? 0 }

    @Test func aHalfGigabyteFileArrivesOnceThroughKillsAndFailures() async throws {
        let size = Self.long ? 2 << 30 : 512 << 20
        let minimumKills = Self.long ? 30 : 10
        let folder = try TestPaths.temporaryFolder("inbox-chaos")
        defer { try? FileManager.default.removeItem(at: folder) }
        let started = Date()
        let reads = folder.appendingPathComponent("run.blow5")
        try makeReadsFile(reads, size: size)
        let plain = try #require(try FileDigest.sha256(path: reads.path))
        let db = folder.appendingPathComponent("precis.sqlite").path
        let store = try storeWithReads(reads, at: db, destinations: [])
        // 42 % of requests meet a fault, one in five of them only a slow answer: a third fail.
        let inbox = try TestInbox(["--fail-ratio", "0.42", "--seed", "18", "--slow-seconds", "0.3"])
        defer { inbox.stop() }
        let keys = try TestInbox.centreKeys(in: folder)
        let config = try writeInboxConfiguration(inbox: inbox, recipient: keys.public, in: folder, partSizeMiB: 5, lease: 4, timeout: 3)

        var dice = ChaosTests.Dice(state: 2027)
        var kills = 0, peak = 0, rounds = 0
        var done = false
        while !done, rounds < 80 {
            rounds += 1
            let log = folder.appendingPathComponent("uploader-\(rounds).log")
            let process = try ChaosTests().uploader(["--loop", "--seconds", "300"], db: db, config: config, log: log)
            let pid = process.processIdentifier
            let killing = kills < minimumKills
            // Killed after 1–4 more parts and 0–300 ms: mid-part, mid-join, or mid-encryption in the first round.
            let before = try Self.parts(store), more = Int(dice.uniform(1, 5))
            let deadline = Date().addingTimeInterval(killing ? 120 : 900)
            while process.isRunning, Date() < deadline {
                peak = max(peak, Self.peakRSS(pid) ?? 0)
                if try store.outbox(states: [.delivered]).count == 1 { break }
                if killing, try Self.parts(store) >= before + more { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            if killing { try await Task.sleep(for: .milliseconds(Int(dice.uniform(0, 300)))) }
            peak = max(peak, Self.peakRSS(pid) ?? 0)
            if process.isRunning {
                kill(pid, SIGKILL)
                if killing { kills += 1 }
            }
            try await ChaosTests.exit(of: process)
            done = try store.outbox(states: [.delivered]).count == 1
        }
        let upload = try #require(try store.inboxUploads().first)
        let encryptedSize = try #require(upload.encrypted?.size)
        let stats = try inbox.stats()
        let ratio = Double(stats.bodyBytes) / Double(encryptedSize)
        print("inbox chaos: \(size >> 20) MiB, \(kills) kills in \(rounds) rounds, \(stats.requests) requests, \(stats.failed) failed, "
              + "\(stats.bodyBytes) body bytes received = \(String(format: "%.3f", ratio)) × the encrypted size, "
              + "uploader peak RSS \(peak >> 20) MiB, \(upload.retries) retries, \(Int(Date().timeIntervalSince(started))) s")
        #expect(done, "the file was not delivered in \(rounds) rounds")
        #expect(kills >= minimumKills)
        #expect(Double(stats.failed) / Double(max(stats.requests, 1)) > 0.25, "the proxy failed a third of the requests")
        let objects = try inbox.objects().filter { $0.key.hasSuffix(".c4gh") }
        #expect(objects.count == 1)
        #expect(objects.first?.size == encryptedSize)
        #expect(try inbox.openUploads() == 0)
        #expect(try inbox.decrypted(upload.objectKey, secretKey: keys.secret).sha256 == plain.sha256)
        #expect(ratio < 1.3)
        #expect(peak > 0 && peak < 100_000_000, "peak RSS \(peak) bytes")
    }
}
