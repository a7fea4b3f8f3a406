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
}
