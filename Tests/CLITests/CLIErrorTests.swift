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

/// `precis doctor` says what is wrong, one line each, with what to do.
@Suite struct DoctorTests {
    @Test func doctorReportsEveryCheckAndTheFixForEachProblem() throws {
        let result = try precis(["doctor", "--json"], db: newDatabase())
        let checks = try #require(try result.json() as? [[String: Any]])
        let names = checks.compactMap { $0["name"] as? String }
        for name in ["libusb", "libudev", "udev rules", "group precis", "store", "calibrations"] {
            #expect(names.contains(name), "doctor did not check \(name)")
        }
        let store = try #require(checks.first { $0["name"] as? String == "store" })
        #expect(store["ok"] as? Bool == true)
        for problem in checks where problem["ok"] as? Bool == false {
            #expect((problem["fix"] as? String)?.isEmpty == false, "\(problem) has no fix")
        }
        let rules = try #require(checks.first { $0["name"] as? String == "udev rules" })
        if rules["ok"] as? Bool == false {
            #expect((rules["fix"] as? String)?.contains("70-precis.rules") == true)
            #expect(result.status == 1)
        }
        let text = try precis(["doctor"], db: newDatabase())
        #expect(text.stdout.split(separator: "\n").count == checks.count)
    }
}
