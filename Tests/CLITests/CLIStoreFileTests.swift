import Foundation
import Testing

/// Issue 13, part 1: every file a command names is refused (exit 2, one line) when it is the
/// store or one of its SQLite files, and the store is left as it was.
@Suite struct CLIStoreFileTests {
    @Test func everyNamedFileThatIsTheStoreIsRefusedAndTheStoreIsUntouched() throws {
        let db = newDatabase()
        #expect(try precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-0001"], db: db).status == 0)
        let folder = URL(fileURLWithPath: db).deletingLastPathComponent()
        let link = folder.appendingPathComponent("trace.jsonl").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: db)
        let rdml = repoRoot.appendingPathComponent("Tests/Conformance/Fixtures/qpcr/own_mix_a.rdml").path
        let blow5 = repoRoot.appendingPathComponent("Tests/Conformance/Fixtures/nanopore/one_fast5_exp_1_default.blow5").path
        let fast = "sim:lfr?reading-ms=0"
        let config = folder.appendingPathComponent("config.json")
        try #"{"centre": {"baseURL": "https://centre.example/fhir", "clientSecretFile": "\#(db)-wal"}}"#
            .write(to: config, atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["analyze", "qpcr", rdml, "--write-rdml", db],
            ["analyze", "qpcr", db],
            ["analyze", "methodscript", link],
            ["analyze", "lfa", db, "--assay", "crp", "--lot", "CRP26A07"],
            ["events", db],
            ["fit", "4pl", db, "--x", "c", "--y", "r"],
            ["calibrate", "--assay", "crp", "--lot", "CRP26A07", "--standards", db, "--x", "c", "--y", "r"],
            ["run", "--device", fast, "--assay", "crp", "--sample", "S-0002", "--record", db + "-wal"],
            ["record", "--device", fast, "--assay", "crp", "--sample", "S-0002", db + "-journal"],
            ["run", "--device", "replay:\(link)", "--assay", "crp", "--sample", "S-0002"],
            ["run", "--device", "\(fast)&profile=\(db)", "--assay", "crp", "--sample", "S-0002"],
            ["run", "--device", "sim:nps?fast&input=\(db)", "--sample", "S-0002", "--output", blow5 + ".out.blow5"],
            ["run", "--device", "sim:nps?fast&reads=1&channels=4", "--sample", "S-0002", "--output", db + "-shm"],
            ["results", "raw", "1", "--out", db],
            ["results", "--config", db],
            ["results", "--config", config.path],
        ]
        for arguments in cases {
            let run = try precis(arguments, db: db)
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1 && run.stderr.contains("Precis store"), "\(arguments): \(run.stderr)")
        }
        // Nothing was written over the store or left as one of its files (the runs that open the
        // store change its pages themselves, so its bytes are not compared).
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)).prefix(16) == Data("SQLite format 3\0".utf8))
        for suffix in ["-wal", "-shm", "-journal"] {
            #expect(!FileManager.default.fileExists(atPath: db + suffix), "no \(suffix) is left behind")
        }
        let check = try runProcess("/usr/bin/sqlite3", [db, "PRAGMA integrity_check"])
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(check.stdout)")
        let results = try precis(["results", "--json"], db: db)
        #expect(results.status == 0)
        #expect((try results.json() as? [Any])?.count == 1, "only the first run is stored")
    }

    @Test func standardOutputAppendedToTheStoreIsRefused() throws {
        let db = newDatabase()
        #expect(try precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-0001"], db: db).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let export = try runProcess("/bin/sh", ["-c", "exec \"$0\" export fhir --run 1 --db \"$1\" >> \"$1\"", TestPaths.precis.path, db],
                                    environment: ["PRECIS_CALIBRATION": repoRoot.appendingPathComponent("Calibration").path])
        #expect(export.status == 2, "\(export.stderr)")
        #expect(export.stderr.contains("standard output"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    }

    @Test func aSimulatedSequencingRunIsMarkedTraining() throws {
        let db = newDatabase()
        let output = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("reads.blow5").path
        let run = try precis(["run", "--device", "sim:nps?fast&reads=1&channels=4", "--sample", "S-0001", "--output", output], db: db)
        #expect(run.status == 0, "\(run.stderr)")
        let listed = try #require(try precis(["results", "sequencing", "--json"], db: db).json() as? [[String: Any]])
        #expect(listed.count == 1 && listed.first?["training"] as? Bool == true, "\(listed)")
        #expect(try precis(["results", "sequencing"], db: db).stdout.contains("S-0001 (training)"))
    }
}
