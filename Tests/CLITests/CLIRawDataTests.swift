import Foundation
import Testing

/// `precis results raw RUN --out FILE`: a run's raw data given back as it was stored, checked
/// against its SHA-256: a plate's RDML re-analyses to the run's own standard curve, a stopped
/// plate's partial RDML still reads, a strip's profile re-analyses to its stored ratio.
@Suite struct CLIRawDataTests {
    static let plates = repoRoot.appendingPathComponent("Calibration/plates")
    static let layout = plates.appendingPathComponent("hiv1-vl-plate.csv").path
    static let wells = plates.appendingPathComponent("hiv1-vl-sim-wells.csv").path

    @Test func aStoredPlateGivesBackItsRDMLWhichAnalysesToTheRunsOwnStandardCurve() throws {
        let folder = try TestPaths.temporaryFolder("raw-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = newDatabase()
        let run = try precis(["run", "--device", "sim:qpcr?cycle-ms=0&wells=\(Self.wells)", "--assay", "hiv1-vl", "--lot", "HIV26B01",
                              "--layout", Self.layout, "--plate", "PLATE-7", "--json"], db: db)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        let runID = try #require(report["runId"] as? Int)
        let curve = try #require((report["plate"] as? [String: Any])?["curve"] as? [String: Any])

        let out = folder.appendingPathComponent("plate.rdml").path
        let raw = try precis(["results", "raw", "\(runID)", "--out", out, "--json"], db: db)
        #expect(raw.status == 0, "\(raw.stderr)")
        let written = try #require(try raw.json() as? [String: Any])
        #expect(written["kind"] as? String == "qpcr-rdml")
        #expect(written["complete"] as? Bool == true)
        // The digest is the one the store lists, and the file's own.
        let shown = try #require(try precis(["results", "show", "\(runID)", "--json"], db: db).json() as? [String: Any])
        let stored = try #require(((shown["summary"] as? [String: Any])?["rawData"] as? [[String: Any]])?.first)
        #expect(written["sha256"] as? String == stored["sha256"] as? String)
        #expect(try runProcess("/usr/bin/sha256sum", [out]).stdout.hasPrefix(try #require(stored["sha256"] as? String)))

        let again = try precis(["analyze", "qpcr", out, "--json"], db: newDatabase())
        #expect(again.status == 0, "\(again.stderr)")
        let analysis = try #require(try again.json() as? [String: Any])
        let curveAgain = try #require((analysis["standardCurves"] as? [[String: Any]])?.first)
        for key in ["slope", "intercept", "efficiency", "r2"] {
            #expect(abs((curveAgain[key] as? Double ?? .nan) - (curve[key] as? Double ?? 0)) < 1e-9, "\(key)")
        }
        // The RDML holds this run's own exclusions; read again, each is listed once.
        let analysed = try #require(analysis["wells"] as? [[String: Any]])
        #expect(analysed.count == 2 * 22)
        for well in analysed {
            let flags = well["flags"] as? [String] ?? []
            #expect(Set(flags).count == flags.count, "\(well["well"] ?? "?"): \(flags)")
        }
    }

    @Test func anUnpluggedCyclerKeepsWhatArrivedAndItStillReads() throws {
        let folder = try TestPaths.temporaryFolder("raw-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = newDatabase()
        let run = try precis(["run", "--device", "sim:qpcr?cycle-ms=0&disconnect-after=30&wells=\(Self.wells)", "--assay", "hiv1-vl",
                              "--lot", "HIV26B01", "--layout", Self.layout], db: db)
        #expect(run.status == 6, "\(run.stderr)")
        #expect((run.stdout + run.stderr).contains("unplugged"), "\(run.stdout)\(run.stderr)")
        let out = folder.appendingPathComponent("partial.rdml").path
        let raw = try precis(["results", "raw", "1", "--out", out], db: db)
        #expect(raw.status == 0, "\(raw.stderr)")
        #expect(raw.stdout.contains("incomplete"), "\(raw.stdout)")
        let read = try precis(["analyze", "qpcr", out, "--json"], db: newDatabase())
        #expect(read.status == 0, "\(read.stderr)")
    }

    @Test func aBadLayoutIsRefusedBeforeTheRun() throws {
        let folder = try TestPaths.temporaryFolder("raw-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = newDatabase()
        for (text, reason) in [("well,sample,type\nZ1,S-1,unkn\n", "not on a 96-well plate"),
                               ("well,sample,type\nA1,Jane Doe,unkn\n", "not a valid pseudonymous id"),
                               ("well,sample,type\nA1,S-1,std\n", "has no quantity"),
                               ("well,sample,type\nA1,S-1,sample\n", "is not one of")] {
            let file = folder.appendingPathComponent("layout.csv")
            try Data(text.utf8).write(to: file)
            let run = try precis(["run", "--device", "sim:qpcr?cycle-ms=0", "--assay", "hiv1-vl", "--lot", "HIV26B01",
                                  "--layout", file.path], db: db)
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.contains(reason), "\(run.stderr)")
            #expect(!run.stderr.contains("Jane"))
        }
        #expect((try precis(["results", "--json"], db: db).json() as? [Any])?.isEmpty == true, "a refused layout stores no run")
    }

    @Test func aStripsProfileAnalysesToItsStoredRatio() throws {
        let folder = try TestPaths.temporaryFolder("raw-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = newDatabase()
        let run = try precis(["run", "--device", "sim:lfr?ratio=0.4&reading-ms=0", "--assay", "crp", "--sample", "S-0101", "--json"], db: db)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        let out = folder.appendingPathComponent("profile.csv").path
        let raw = try precis(["results", "raw", "\(report["runId"] as? Int ?? 0)", "--out", out], db: db)
        #expect(raw.status == 0, "\(raw.stderr)")
        let lot = try #require((report["lot"] as? [String: Any])?["lot"] as? String)
        let again = try #require(try precis(["analyze", "lfa", out, "--assay", "crp", "--lot", lot, "--json"], db: newDatabase())
            .json() as? [String: Any])
        #expect(again["tcRatio"] as? Double == report["tcRatio"] as? Double)
        #expect(again["display"] as? String == report["display"] as? String)
    }

    @Test func whatCannotBeGivenBackIsAnErrorAndNoFile() throws {
        let folder = try TestPaths.temporaryFolder("raw-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = newDatabase()
        let out = folder.appendingPathComponent("x.rdml")
        let none = try precis(["results", "raw", "9", "--out", out.path], db: db)
        #expect(none.status != 0 && none.stderr.contains("no run 9"), "\(none.stderr)")
        // Raw data changed behind the store's back (its triggers dropped) is refused, not written.
        let run = try precis(["run", "--device", "sim:qpcr?cycle-ms=0&wells=\(Self.wells)", "--assay", "hiv1-vl", "--lot", "HIV26B01",
                              "--layout", Self.layout], db: db)
        #expect(run.status == 0, "\(run.stderr)")
        _ = try runProcess("/usr/bin/sqlite3", [db, "DROP TRIGGER raw_data_never_updated; UPDATE raw_data SET content = content || x'20'"])
        let tampered = try precis(["results", "raw", "1", "--out", out.path], db: db)
        #expect(tampered.status != 0)
        #expect(tampered.stderr.contains("does not match the SHA-256"), "\(tampered.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
