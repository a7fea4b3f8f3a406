import Foundation
import Testing

/// The demo's contract, through the built binary: run, then list, show and queue.
@Suite struct CLIRunTests {
    @Test func runResultsShowAndQueueTellTheSameStory() throws {
        let db = newDatabase()
        let run = try precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-0001", "--json"], db: db)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        #expect(report["runId"] as? Int == 1)
        #expect(report["sample"] as? String == "S-0001")
        #expect(report["status"] as? String == "COMPLETED")
        #expect(report["flags"] as? [String] == ["HIGH"])
        let concentration = try #require(report["concentration"] as? [String: Any])
        #expect(concentration["unit"] as? String == "mg/L")
        #expect(concentration["value"] as? Double == 9.6)

        let listed = try precis(["results", "--json"], db: db)
        let rows = try #require(try listed.json() as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows[0]["sample"] as? String == "S-0001")
        let raw = try #require(rows[0]["rawProfile"] as? [String: Any])
        #expect(raw["readings"] as? Int == 501)
        #expect(raw["complete"] as? Bool == true)
        let outbox = try #require(rows[0]["outbox"] as? [[String: Any]])
        #expect(outbox.count == 1)
        #expect(outbox[0]["state"] as? String == "pending")

        let queue = try #require(try precis(["queue", "--json"], db: db).json() as? [[String: Any]])
        #expect(queue.count == 1)
        #expect(queue[0]["sample"] as? String == "S-0001")
        #expect(queue[0]["state"] as? String == "pending")

        let show = try precis(["results", "show", "1"], db: db)
        #expect(show.status == 0)
        #expect(show.stdout.contains("9.6 mg/L"))
        #expect(show.stdout.contains("control line at 16.00 mm"))
        let ruler = try #require(show.stdout.split(separator: "\n").first { $0.contains("C") && $0.contains("[") && $0.contains("T") })
        #expect(ruler.firstIndex(of: "T")! < ruler.firstIndex(of: "C")!)   // test line at 9 mm, control at 16 mm
        #expect(show.stdout.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })   // the braille plot
    }

    @Test func humanOutputNamesTheResultAndTheQueue() throws {
        let db = newDatabase()
        let run = try precis(["run", "--device", "sim:lfr?reading-ms=0&ratio=0", "--assay", "crp", "--sample", "S-7"], db: db)
        #expect(run.status == 0)
        #expect(run.stdout.contains("< 2.0 mg/L"))
        #expect(run.stdout.contains("BELOW_LOD"))
        #expect(run.stdout.contains("queued for upload to centre (outbox 1, pending)"))
        let invalid = try precis(["run", "--device", "sim:lfr?reading-ms=0&control=0", "--assay", "crp", "--sample", "S-8"], db: db)
        #expect(invalid.status == 7)
        #expect(invalid.stdout.contains("INVALID"))
        #expect(!invalid.stdout.contains("mg/L"))
    }

    @Test func devicesListsTheSimulator() throws {
        let list = try #require(try precis(["devices", "--json"], db: newDatabase()).json() as? [[String: Any]])
        #expect(list.contains { $0["address"] as? String == "sim:lfr" && $0["serial"] as? String == "LFR-SIM-0001" })
    }
}

/// Offline re-analysis and fitting from files, through the binary.
@Suite struct CLIOfflineTests {
    @Test func analyzeLFAGivesWhatTheRunGave() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lfa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("p.sqlite").path
        let run = try #require(try precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-1", "--json"],
                                          db: db).json() as? [String: Any])
        let shown = try #require(try precis(["results", "show", "1", "--json"], db: db).json() as? [String: Any])
        let raw = try #require((shown["raw"] as? [String: Any])?["profile"] as? [String: Any])
        let positions = try #require(raw["positionsUM"] as? [Int]), values = try #require(raw["reflectance"] as? [Int])
        let csv = folder.appendingPathComponent("profile.csv")
        try ("position_um,reflectance\n" + zip(positions, values).map { "\($0),\($1)" }.joined(separator: "\n"))
            .write(to: csv, atomically: true, encoding: .utf8)
        let offline = try precis(["analyze", "lfa", csv.path, "--assay", "crp", "--lot", "CRP26A07", "--json"], db: db)
        let report = try #require(try offline.json() as? [String: Any])
        #expect(report["tcRatio"] as? Double == run["tcRatio"] as? Double)
        #expect((report["concentration"] as? [String: Any])?["value"] as? Double == 9.6)
        #expect(report["status"] as? String == "VALID")
    }

    @Test func fitPrintsParametersByNameWithStandardErrors() throws {
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("std-\(UUID().uuidString).csv")
        var text = "conc,ratio\n"
        for x in [0.5, 1.5, 5, 15, 40, 100, 250, 600] {
            let y = 2.5 + (0.02 - 2.5) / (1 + pow(x / 40, 1.3))
            text += "\(x),\(y * 1.01)\n\(x),\(y * 0.99)\n"
        }
        try text.write(to: csv, atomically: true, encoding: .utf8)
        let fit = try #require(try precis(["fit", "4pl", csv.path, "--x", "conc", "--y", "ratio", "--json"], db: newDatabase())
            .json() as? [String: Any])
        let parameters = try #require(fit["parameters"] as? [String: Double])
        let errors = try #require(fit["standardErrors"] as? [String: Double])
        #expect(Set(parameters.keys) == ["a", "b", "c", "d"])
        #expect(Set(errors.keys) == ["a", "b", "c", "d"])
        #expect(abs((parameters["c"] ?? 0) - 40) < 1)
        #expect((fit["residualStandardError"] as? Double ?? 1) < 0.05)
        let bad = try precis(["fit", "9pl", csv.path, "--x", "conc", "--y", "ratio"], db: newDatabase())
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown model '9pl'"))
    }

    @Test func analyzeMethodSCRIPTDecodesOrRefusesATruncatedPackage() throws {
        let fixture = repoRoot.appendingPathComponent("Tests/Conformance/Fixtures/methodscript/example_streams.txt").path
        let report = try #require(try precis(["analyze", "methodscript", fixture, "--json"], db: newDatabase()).json() as? [String: Any])
        let packages = try #require(report["packages"] as? [[[String: Any]]])
        #expect(packages.count == 4)
        #expect(packages[0][0]["type"] as? String == "da")
        #expect(packages[0][0]["value"] as? Double == -0.499905)
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString).txt")
        try "e\nM0000\nPda7F85F3Fu;ba48D5\n".write(to: cut, atomically: true, encoding: .utf8)
        let refused = try precis(["analyze", "methodscript", cut.path], db: newDatabase())
        #expect(refused.status == 2)
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(refused.stderr.contains("line 3: "))
        #expect(refused.stderr.contains("corrupt data package"))
        #expect(refused.stdout.isEmpty)
    }

    /// A stream with a device error, or with its loop never ended, is bad input (exit 2) naming the line.
    @Test func analyzeMethodSCRIPTRefusesAStreamThatDidNotFinish() throws {
        let lines = try String(contentsOf: repoRoot.appendingPathComponent("Tests/Conformance/Fixtures/methodscript/example_streams.txt"),
                               encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }
        let packages = lines.filter { $0.hasPrefix("P") }.map(String.init)
        for (text, line, words) in [("e\nM0000\n" + packages.joined(separator: "\n") + "\n!4032\n*\n\n", "line 7: ", "device error 0x4032"),
                                    ("e\nM0000\n" + packages.joined(separator: "\n") + "\n", "line 2: ", "has no end")] {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("unfinished-\(UUID().uuidString).txt")
            defer { try? FileManager.default.removeItem(at: file) }
            try text.write(to: file, atomically: true, encoding: .utf8)
            let refused = try precis(["analyze", "methodscript", file.path], db: newDatabase())
            #expect(refused.status == 2, "\(refused.stderr)")
            #expect(refused.stderr.contains(line) && refused.stderr.contains(words), "\(refused.stderr)")
            #expect(refused.stdout.isEmpty)
        }
    }
}
