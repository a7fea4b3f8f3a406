import Foundation
import PrecisTestSupport
import Testing

/// The delivery verbs of the `precis` binary, end to end against the test centre:
/// `upload --now`, `queue`, `queue retry ID`, `export fhir|hl7v2 --run ID`, `audit verify`.
@Suite(.serialized) struct UploadCLITests {
    /// The queue as JSON objects.
    func queue(_ bench: Bench, all: Bool = false) throws -> [[String: Any]] {
        try bench.precis(["queue", "--json"] + (all ? ["--all"] : [])).json() as? [[String: Any]] ?? []
    }

    @Test func withoutAConfigurationResultsWaitInTheQueue() throws {
        let bench = try Bench("cli-noconfig")
        #expect(try bench.run(sample: "S-0001").status == 0)
        let upload = try bench.precis(["upload", "--now"])
        #expect(upload.status == 2)
        #expect(upload.stderr.contains("no destination is configured"))
        #expect(upload.stderr.split(separator: "\n").count == 1)
        let waiting = try queue(bench)
        #expect(waiting.count == 1)
        #expect(waiting.first?["state"] as? String == "pending")
        #expect(waiting.first?["destination"] as? String == "centre")
        #expect(try bench.precis(["queue"]).stdout.contains("pending"))
    }

    @Test(arguments: [
        (#"{"centre": {"baseURL": "centre.example/fhir"}}"#, "is not an http(s) URL"),
        (#"{"centre": {"baseURL": "https://centre.example/fhir"}, "upload": {"leaseSeconds": 20}}"#, "must be longer than the longest request"),
        (#"{"centre": {"baseURL": "https://centre.example/fhir"}, "upload": {"baseSeconds": 0}}"#, "must be positive"),
        (#"{"centre": {"baseURL": 17}}"#, "is malformed"),
        ("not json", "is malformed"),
    ])
    func aBadConfigurationIsOneClearLine(json: String, message: String) throws {
        var bench = try Bench("cli-badconfig")
        let url = bench.folder.appendingPathComponent("config.json")
        try json.write(to: url, atomically: true, encoding: .utf8)
        bench.config = url.path
        let queue = try bench.precis(["queue"])
        #expect(queue.status == 2)
        #expect(queue.stderr.contains(url.path) && queue.stderr.contains(message), "\(queue.stderr)")
        #expect(queue.stderr.split(separator: "\n").count == 1)
        bench.config = bench.folder.appendingPathComponent("missing.json").path
        #expect(try bench.precis(["queue"]).status == 2)            // a named file that is missing is an error too
    }

    @Test func uploadDeliversAndExportPrintsExactlyWhatWasSent() throws {
        var bench = try Bench("cli-upload")
        let folder = try TestPaths.temporaryFolder("cli-centre")
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        let lis = bench.folder.appendingPathComponent("lis-drop")
        try bench.configure(centre: centre.url, lisFolder: lis)
        #expect(try bench.run(sample: "S-0001", patient: "P-17").status == 0)
        #expect(try bench.run(sample: "S-0002", options: "&ratio=0").status == 0)
        #expect(try bench.run(sample: "S-0003", options: "&control=0").status == 7)     // INVALID is sent too

        let upload = try bench.precis(["upload", "--now"])
        #expect(upload.status == 0, "\(upload.stderr)")
        #expect(upload.stdout.contains("delivered 6, to retry 0, failed 0"))
        #expect(upload.stderr.split(separator: "\n").filter { $0.contains(": delivered") }.count == 6)   // progress, one line each
        #expect(try queue(bench).isEmpty)
        #expect(try queue(bench, all: true).allSatisfy { $0["state"] as? String == "delivered" })

        let sent = try runProcess("/usr/bin/sqlite3", [centre.db, "SELECT bundle FROM requests WHERE outcome = '200'"]).stdout
        let bundles = try sent.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? NSDictionary }
        #expect(bundles.count == 3)
        for run in 1...3 {
            let export = try bench.precis(["export", "fhir", "--run", "\(run)"])
            #expect(export.status == 0)
            let exported = try #require(try export.json() as? NSDictionary)
            #expect(bundles.contains { $0 == exported }, "run \(run): the export differs from what the centre received")

            let message = try bench.precis(["export", "hl7v2", "--run", "\(run)"]).stdout
            let msh = message.split(separator: "\r").first?.split(separator: "|", omittingEmptySubsequences: false) ?? []
            #expect(msh.count > 9)
            let dropped = try String(contentsOf: lis.appendingPathComponent("\(msh.count > 9 ? msh[9] : "").hl7"), encoding: .utf8)
            #expect(dropped == message)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: lis.path).count == 3)
    }

    @Test func aRefusedResultFailsWithTheCentresWordsAndIsRetriedByHand() throws {
        var bench = try Bench("cli-refused")
        let folder = try TestPaths.temporaryFolder("cli-centre")
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        try bench.configure(centre: centre.url)
        #expect(try bench.run(sample: "S-0001", patient: "REJECT-7").status == 0)
        let upload = try bench.precis(["upload", "--now"])
        #expect(upload.status == 1)
        #expect(upload.stderr.contains("FAILED: 400 from the centre: Specimen identifier is not registered at the centre"))
        let failed = try #require(try queue(bench).first)
        #expect(failed["state"] as? String == "failed")
        #expect((failed["lastError"] as? String)?.contains("Specimen identifier is not registered") == true)
        #expect(try bench.precis(["queue"]).stdout.contains("Specimen identifier is not registered"))

        let id = try #require(failed["id"] as? Int)
        let retry = try bench.precis(["queue", "retry", "\(id)"])
        #expect(retry.status == 0)
        #expect(retry.stdout.contains("due again"))
        #expect(try queue(bench).first?["state"] as? String == "pending")
        let unknown = try bench.precis(["queue", "retry", "999"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no outbox entry 999"))
    }

    @Test func auditVerifyFindsAnEditedAndADeletedRow() throws {
        for (trigger, tamper, finding) in [
            ("audit_never_updated", "UPDATE audit_log SET detail = '{\"sample\":\"S-9999\"}' WHERE id = 2", "row 2"),
            ("audit_never_deleted", "DELETE FROM audit_log WHERE id = 3", "missing"),
        ] {
            let bench = try Bench("cli-audit")
            #expect(try bench.run(sample: "S-0001").status == 0)
            let intact = try bench.precis(["audit", "verify"])
            #expect(intact.status == 0)
            #expect(intact.stdout.contains("intact"))
            let json = try #require(try bench.precis(["audit", "verify", "--json"]).json() as? [String: Any])
            #expect((json["problems"] as? [Any])?.isEmpty == true)
            #expect((json["rows"] as? Int ?? 0) >= 4)

            // Someone with the database file in hand removes the guard and edits the history.
            let edit = try runProcess("/usr/bin/sqlite3", [bench.db, "DROP TRIGGER \(trigger); \(tamper);"])
            #expect(edit.status == 0, "\(edit.stderr)")
            let broken = try bench.precis(["audit", "verify"])
            #expect(broken.status == 4)                     // a store problem
            #expect(broken.stdout.contains("BROKEN"))
            #expect(broken.stderr.split(separator: "\n").count == 1)
            #expect(broken.stdout.contains(finding), "\(broken.stdout)")
        }
    }
}
