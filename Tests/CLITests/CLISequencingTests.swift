import Foundation
import Testing

/// `precis run --device sim:nps` and `precis events` through the built binary.
@Suite struct CLISequencingTests {
    let realRead = repoRoot.appendingPathComponent("Tests/Conformance/Fixtures/nanopore/one_fast5_exp_1_default.blow5").path

    @Test func eventsJSONHasEveryReadWithStartLengthMeanStdv() throws {
        let run = try precis(["events", realRead, "--json"], db: newDatabase())
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        let reads = try #require(report["reads"] as? [[String: Any]])
        #expect(reads.count == 1)
        #expect(reads[0]["readID"] as? String == "a649a4ae-c43d-492a-b6a1-a5b8b8076be4")
        let events = try #require(reads[0]["events"] as? [[String: Any]])
        #expect(events.count == 11907)
        #expect(events[1]["start"] as? Int == 5 && events[1]["length"] as? Int == 5)
        #expect(abs((events[1]["mean"] as? Double ?? 0) - 108.13591) < 1e-4)
        #expect(abs((events[1]["stdv"] as? Double ?? 0) - 1.28998542) < 1e-5)
        let parameters = try #require(report["parameters"] as? [String: Any])
        #expect(parameters["windowLength1"] as? Int == 3 && parameters["windowLength2"] as? Int == 6)

        let text = try precis(["events", realRead, "--plot"], db: newDatabase())
        #expect(text.status == 0)
        #expect(text.stdout.contains("11907 events") && text.stdout.contains("pA ┤"))
    }

    @Test func aDamagedOrMissingFileIsOneLineAndExitTwo() throws {
        let folder = try TestPaths.temporaryFolder("nps-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cut = folder.appendingPathComponent("cut.blow5")
        let data = try Data(contentsOf: URL(fileURLWithPath: realRead))
        try data.prefix(data.count - 1000).write(to: cut)
        for file in [cut.path, folder.appendingPathComponent("none.slow5").path] {
            let run = try precis(["events", file], db: newDatabase())
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1 && !looksLikeACrash(run.stderr), "\(run.stderr)")
        }
        let bad = try precis(["events", realRead, "--window1", "0"], db: newDatabase())
        #expect(bad.status == 2 && bad.stderr.contains("window"))
    }

    @Test func aSequencingRunPrintsItsSummaryAndWritesBLOW5() throws {
        let folder = try TestPaths.temporaryFolder("nps-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("run.blow5").path
        let device = "sim:nps?channels=8&reads=2&length=2000&gap=300&fast=1"
        let run = try precis(["run", "--device", device, "--sample", "S-0301", "--output", out, "--json"], db: newDatabase())
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        let stored = try #require(report["run"] as? [String: Any])
        #expect(stored["status"] as? String == "COMPLETED")
        #expect(((report["outcome"] as? [String: Any])?["totals"] as? [String: Any])?["reads"] as? Int == 16)
        #expect(stored["kind"] as? String == "sequencing" && stored["resultId"] as? Int != nil)
        #expect((report["sha256"] as? String)?.count == 64)
        #expect(FileManager.default.fileExists(atPath: out))

        let human = try precis(["run", "--device", device, "--sample", "S-0302", "--output", out + ".2.blow5"], db: newDatabase())
        #expect(human.status == 0)
        #expect(human.stdout.contains("reads 16") && human.stdout.contains("COMPLETED"))
        #expect(human.stderr.contains("strand") || human.stderr.contains("pore"))   // the live channel summary
    }

    @Test func anUnpluggedSequencerExitsFiveAndKeepsTheReads() throws {
        let folder = try TestPaths.temporaryFolder("nps-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("run.blow5").path
        let run = try precis(["run", "--device", "sim:nps?channels=8&reads=3&length=2000&gap=300&fast=1&unplug-after=600",
                              "--sample", "S-0303", "--output", out], db: newDatabase())
        #expect(run.status == 5, "\(run.stderr)")
        #expect(run.stderr.contains("went away"))
        #expect(run.stdout.contains("ABORTED"))
        #expect(FileManager.default.fileExists(atPath: out))
        let events = try precis(["events", out], db: newDatabase())
        #expect(events.status == 0, "\(events.stderr)")   // a complete BLOW5 of the reads before the unplug
    }
}

/// Stopping a sequencing run: Ctrl-C finishes it cleanly; a kill leaves a run that the next
/// `precis` records as ABORTED, keeping the reads written before.
@Suite(.serialized) struct CLISequencingStopTests {
    let device = "sim:nps?channels=8&reads=60&length=4000&gap=300"   // about a minute at 5 kHz

    func start(_ db: String, _ out: String) throws -> Process {
        let process = Process()
        process.executableURL = TestPaths.precis
        process.arguments = ["run", "--device", device, "--sample", "S-0305", "--output", out, "--db", db]
        process.environment = ["PRECIS_CALIBRATION": repoRoot.appendingPathComponent("Calibration").path]
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        return process
    }

    /// Waits (up to 60 s, a loaded machine is slow) until the run has written a read to its
    /// `.partial` file, beyond the header.
    func waitForAWrittenRead(_ out: String) {
        let partial = out + ".partial"
        var header: Int?
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int) ?? nil
            if let size {
                if let header, size > header + 512 { return }
                header = header ?? size
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    func runs(_ db: String) throws -> [[String: Any]] {
        let listed = try precis(["results", "sequencing", "--json"], db: db)
        return try #require(try listed.json() as? [[String: Any]])
    }

    /// Starts a run in `folder`, lets it write a read, sends it `signal` and waits for it to exit.
    func interruptedRun(_ signal: Int32, in folder: URL) throws -> (db: String, out: String, process: Process) {
        let db = folder.appendingPathComponent("precis.sqlite").path, out = folder.appendingPathComponent("run.blow5").path
        let process = try start(db, out)
        waitForAWrittenRead(out)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return (db, out, process)
    }

    /// The stored run counted some reads, and `precis events` finds exactly that many in the file.
    func expectTheFileHoldsTheRunsReads(_ run: [String: Any], _ out: String, db: String) throws {
        let reads = (run["sequencingTotals"] as? [String: Any])?["reads"] as? Int ?? 0
        #expect(reads > 0)
        let events = try precis(["events", out], db: db)
        #expect(events.status == 0 && events.stdout.contains("\(reads) read(s)"), "\(events.stderr)")
    }

    @Test func ctrlCEndsTheRunCleanly() throws {
        let folder = try TestPaths.temporaryFolder("nps-stop")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, out, process) = try interruptedRun(SIGINT, in: folder)
        #expect(process.terminationStatus == 0)
        let run = try #require(try runs(db).first)
        #expect(run["status"] as? String == "COMPLETED")
        try expectTheFileHoldsTheRunsReads(run, out, db: db)
    }

    @Test func aKilledRunIsRecordedAbortedWithItsReadsKept() throws {
        let folder = try TestPaths.temporaryFolder("nps-stop")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (db, out, _) = try interruptedRun(SIGKILL, in: folder)
        #expect(FileManager.default.fileExists(atPath: out + ".partial"))
        let run = try #require(try runs(db).first)   // this invocation recovers it
        #expect(run["status"] as? String == "ABORTED")
        #expect(((run["error"] as? [String: Any])?["message"] as? String)?.contains("reads written before are kept") == true)
        let raw = (run["rawData"] as? [[String: Any]])?.first
        #expect(raw?["kind"] as? String == "reads" && raw?["complete"] as? Bool == false && (raw?["sha256"] as? String)?.count == 64)
        try expectTheFileHoldsTheRunsReads(run, out, db: db)
    }
}
