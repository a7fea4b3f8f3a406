import Foundation
import PrecisTestSupport
import Testing

/// A simulated sequencing run, then `precis upload --now`: the reads go encrypted to the S3
/// inbox (moto), the manifest after them, and the run's DocumentReference to the FHIR test
/// centre last, pointing at the object with its checksums.
@Suite(.serialized) struct InboxCLITests {
    @Test func aSequencingRunReachesTheInboxThenTheCentre() throws {
        var bench = try Bench("cli-inbox")
        let centre = try TestCentre(folder: bench.folder)
        defer { centre.stop() }
        let inbox = try TestInbox()
        defer { inbox.stop() }
        let keys = try TestInbox.centreKeys(in: bench.folder)
        bench.config = try writeInboxConfiguration(inbox: inbox, recipient: keys.public, in: bench.folder, centre: centre.url)
        let run = try bench.precis(["run", "--device", "sim:nps?channels=8&reads=2&length=2000&gap=300&fast=1", "--sample", "S-0301",
                                    "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        let sha256 = try #require(report["sha256"] as? String)
        let file = try #require(report["file"] as? String)
        let queued = try #require(try bench.precis(["queue", "--json"]).json() as? [[String: Any]])
        #expect(Set(queued.compactMap { $0["destination"] as? String }) == ["inbox", "centre"])

        let upload = try bench.precis(["upload", "--now"])
        #expect(upload.status == 0, "\(upload.stderr)")
        #expect(!upload.stderr.contains("\u{1B}"), "no bar is drawn when stderr is not a terminal")
        let objects = try inbox.objects()
        let encrypted = objects.filter { $0.key.hasSuffix(".c4gh") }
        #expect(encrypted.count == 1)
        #expect(objects.filter { $0.key.hasSuffix(".manifest.json") }.count == 1)
        let key = try #require(encrypted.first?.key)
        #expect(try inbox.decrypted(key, secretKey: keys.secret).sha256 == sha256)
        #expect(FileManager.default.fileExists(atPath: file + ".manifest.json"))

        #expect(try centre.resourceCounts()["DocumentReference"] == 1)
        let stored = try centre.storedText()
        #expect(stored.contains("s3://inbox/\(key)"))
        let upload0 = try #require(try bench.precis(["queue", "--all", "--json"]).json() as? [[String: Any]])
        let sent = try #require(upload0.first { $0["destination"] as? String == "inbox" }?["upload"] as? [String: Any])
        #expect(sent["phase"] as? String == "done")
        #expect((sent["bytesSent"] as? Int ?? 0) >= encrypted[0].size)
        #expect(stored.contains(try #require(sent["totalBytes"] as? Int).description))
        // The URL is in the package only once the object is whole: the centre's message went after it.
        #expect(upload0.allSatisfy { $0["state"] as? String == "delivered" })
        #expect(try bench.precis(["queue", "--all"]).stdout.contains("MiB"))
    }

    /// On a terminal, `precis upload --now` redraws one line in place while the file goes (the
    /// inbox answers slowly, so each of the three parts takes at least 0.4 s), then clears it.
    @Test func anUploadOnATerminalShowsAProgressBar() throws {
        var bench = try Bench("cli-inbox-bar")
        let reads = bench.folder.appendingPathComponent("reads.blow5")
        try makeReadsFile(reads, size: 12 << 20)
        _ = try storeWithReads(reads, at: bench.db, destinations: [])
        let inbox = try TestInbox(["--fail-ratio", "1", "--faults", "slow", "--slow-seconds", "0.4"])
        defer { inbox.stop() }
        let keys = try TestInbox.centreKeys(in: bench.folder)
        bench.config = try writeInboxConfiguration(inbox: inbox, recipient: keys.public, in: bench.folder, partSizeMiB: 5)

        let shown = try bench.precisOnTerminal(["upload", "--now"])
        #expect(shown.status == 0, "\(shown.stdout)")
        let redraw = "\r\u{1B}[2K"
        let segments = shown.stdout.components(separatedBy: redraw)
        let bars = segments.filter { $0.hasPrefix("outbox ") && !$0.contains("→") }
        #expect(bars.count >= 2, "redrawn in place while it goes: \(shown.stdout.debugDescription)")
        // Each bar is alone on its line until the next redraw: a report line never lands on its tail.
        let bar = #/outbox \d+ (encrypting…|\[[#.]{20}\] +\d+%  [\d.]+/[\d.]+ MiB, sent [\d.]+ MiB( at [\d.]+ MiB/s)?(, \d+ retried)?)/#
        #expect(bars.allSatisfy { $0.wholeMatch(of: bar) != nil }, "\(bars)")
        #expect(bars.contains { $0.contains("/12.0 MiB") }, "the encrypted size, 12 MiB and a header: \(bars)")
        #expect(segments.contains { $0.hasPrefix("outbox 1 (run 1, S-0100) → inbox: delivered") }, "the report, on a cleared line")
        let last = segments.last ?? ""
        #expect(!last.contains("[") && last.hasSuffix("delivered 1, to retry 0, failed 0\r\n"), "the bar is cleared at the end: \(last)")
        #expect(try inbox.objects().filter { $0.key.hasSuffix(".c4gh") }.count == 1)
    }
}
