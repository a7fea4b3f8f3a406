import Foundation
import Testing

/// Bad input gives one clear line and a non-zero exit, never a stack trace.
@Suite struct CLIErrorTests {
    @Test(arguments: [
        (["run", "--device", "sim:nothing", "--assay", "crp", "--sample", "S-1"], Int32(2), "no simulated 'nothing' device"),
        (["run", "--device", "usb-ish", "--assay", "crp", "--sample", "S-1"], 2, "unknown device 'usb-ish'"),
        (["run", "--device", "sim:lfr", "--assay", "troponin", "--sample", "S-1"], 2, "unknown assay 'troponin'"),
        (["run", "--device", "sim:lfr", "--assay", "crp", "--sample", "Jane Doe"], 2, "not a valid pseudonymous id"),
        (["run", "--device", "sim:lfr?cartridge=XYZ01:1&reading-ms=0", "--assay", "crp", "--sample", "S-1"], 3,
         "no calibration for lot XYZ01"),
        (["results", "show", "999"], 2, "no run 999"),
    ])
    func badInputIsOneLine(arguments: [String], status: Int32, text: String) throws {
        let result = try precis(arguments, db: newDatabase())
        #expect(result.status == status, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("precis: "))
        #expect(result.stderr.contains(text), "\(result.stderr)")
        #expect(!looksLikeACrash(result.stderr + result.stdout))
    }

    @Test func expiredLotIsRefusedWithItsDate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cal-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("Calibration"), to: folder)
        let lotURL = folder.appendingPathComponent("lots/CRP26A07.json")
        let text = try String(contentsOf: lotURL, encoding: .utf8).replacingOccurrences(of: "2028-06-30", with: "2026-10-31")
        try text.write(to: lotURL, atomically: true, encoding: .utf8)
        let result = try precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-1",
                                 "--calibration-dir", folder.path], db: newDatabase())
        #expect(result.status == 3)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("lot CRP26A07 expired on 2026-10-31"))
    }

    @Test func unreadableDatabasePathIsOneLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("plain-\(UUID().uuidString)")
        try Data("not a folder".utf8).write(to: file)
        let result = try precis(["results"], db: file.path + "/precis.sqlite")
        #expect(result.status == 4)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("cannot create the folder for the store"))
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("garbage-\(UUID().uuidString).sqlite")
        try Data(repeating: 0x42, count: 4096).write(to: garbage)
        let second = try precis(["queue"], db: garbage.path)
        #expect(second.status == 4)
        #expect(second.stderr.contains("cannot open the store at \(garbage.path)"))
        #expect(!looksLikeACrash(second.stderr))
    }

    @Test func disconnectMidScanSaysWhatHappenedAndExitsNonZero() throws {
        let db = newDatabase()
        let result = try precis(["run", "--device", "sim:lfr?reading-ms=0&disconnect-after=4", "--assay", "crp",
                                 "--sample", "S-0009"], db: db)
        #expect(result.status == 6)
        #expect(result.stdout.contains("ABORTED"))
        #expect(result.stdout.contains("the reader went away"))
        #expect(result.stdout.contains("kept 128 of 501 readings"))
        let listed = try precis(["results", "--json"], db: db)
        let runs = try #require(try listed.json() as? [[String: Any]])
        #expect(runs.first?["status"] as? String == "ABORTED")
        #expect((runs.first?["rawProfile"] as? [String: Any])?["readings"] as? Int == 128)
    }
}
