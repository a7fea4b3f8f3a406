import Foundation
import PrecisTestSupport
import Testing

/// Issue 13, part 1: a simulated or replayed result is marked wherever it goes, and a
/// production destination refuses it before sending, the outbox saying why.
@Suite(.serialized) struct TrainingDeliveryTests {
    func queue(_ bench: Bench) throws -> [[String: Any]] {
        try bench.precis(["queue", "--json", "--all"]).json() as? [[String: Any]] ?? []
    }

    @Test func aSimulatedResultIsTaggedAsTestDataInFHIRAndHL7AndInTheLists() throws {
        let bench = try Bench("training-mark")
        let run = try #require(try bench.run(sample: "S-0001").json() as? [String: Any])
        #expect(run["training"] as? Bool == true)
        #expect(try bench.precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-0002"])
            .stdout.contains("TRAINING"), "the printed report says so")
        let listed = try #require(try bench.precis(["results", "--json"]).json() as? [[String: Any]])
        #expect(listed.count == 2 && listed.allSatisfy { $0["training"] as? Bool == true })
        #expect(try bench.precis(["results"]).stdout.contains("S-0001 (training)"))
        #expect(try bench.precis(["queue"]).stdout.contains("S-0001 (training)"))

        let bundle = try #require(try bench.precis(["export", "fhir", "--run", "1"]).json() as? [String: Any])
        let resources = ((bundle["entry"] as? [[String: Any]]) ?? []).compactMap { $0["resource"] as? [String: Any] }
        #expect(resources.count == 5)
        for resource in [bundle] + resources {
            let meta = try #require(resource["meta"] as? [String: Any], "\(resource["resourceType"] ?? "?") has meta")
            for labels in [meta["tag"], meta["security"]] {
                let codings = labels as? [[String: String]] ?? []
                #expect(codings.contains { $0["system"] == "http://terminology.hl7.org/CodeSystem/v3-ActReason" && $0["code"] == "HTEST" },
                        "\(resource["resourceType"] ?? "?"): \(meta)")
            }
        }
        let message = try bench.precis(["export", "hl7v2", "--run", "1"]).stdout
        let msh = message.split(separator: "\r").first?.split(separator: "|", omittingEmptySubsequences: false) ?? []
        #expect(msh.count > 11 && msh[10] == "T", "MSH-11 is T (training): \(msh)")
    }

    @Test func aProductionCentreAndLISNeverReceiveATrainingResultAndTheOutboxSaysWhy() throws {
        var bench = try Bench("training-refused")
        let folder = try TestPaths.temporaryFolder("training-centre")
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        let lis = bench.folder.appendingPathComponent("lis-drop")
        try bench.configure(centre: centre.url, lisFolder: lis, production: true)
        #expect(try bench.run(sample: "S-0001").status == 0)
        let upload = try bench.precis(["upload", "--now"])
        #expect(upload.status == 1, "\(upload.stdout) \(upload.stderr)")
        #expect(upload.stdout.contains("delivered 0, to retry 0, failed 2"), "\(upload.stdout)")
        let entries = try queue(bench)
        #expect(entries.count == 2)
        for entry in entries {
            #expect(entry["state"] as? String == "failed")
            #expect((entry["lastError"] as? String)?.contains("training result") == true, "\(entry)")
        }
        let sent = try runProcess("/usr/bin/sqlite3", [centre.db, "SELECT count(*) FROM requests"]).stdout
        #expect(sent.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the centre was never asked")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: lis.path)) ?? []).isEmpty, "nothing dropped for the LIS")
        let retried = try bench.precis(["queue", "retry", "1"])
        #expect(retried.status == 0)
        #expect(try bench.precis(["upload", "--now"]).stdout.contains("failed 1"), "a retry is refused again, not sent")
    }

    @Test func aTestCentreTakesATrainingResultWithItsTags() throws {
        var bench = try Bench("training-test-centre")
        let folder = try TestPaths.temporaryFolder("training-centre")
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        try bench.configure(centre: centre.url, production: false)
        #expect(try bench.run(sample: "S-0001").status == 0)
        let upload = try bench.precis(["upload", "--now"])
        #expect(upload.stdout.contains("delivered 1"), "\(upload.stdout) \(upload.stderr)")
        let sent = try runProcess("/usr/bin/sqlite3", [centre.db, "SELECT bundle FROM requests WHERE outcome = '200'"]).stdout
        #expect(sent.contains("HTEST"), "the centre received the test-data label")
    }
}
