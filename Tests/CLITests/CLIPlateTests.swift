import Foundation
import Testing

/// `precis plate` on the simulated cycler: from thermal profile to analysed RDML.
@Suite struct CLIPlateTests {
    let layout = repoRoot.appendingPathComponent("Calibration/plates/sim-dilution-series.csv").path

    @Test func aPlateRunWritesAnalysedRDMLWithItsStandardCurve() throws {
        let folder = try TestPaths.temporaryFolder("plate-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("plate.rdml").path
        let run = try precis(["plate", "--device", "sim:qpcr?cycle-ms=0", "--layout", layout, "--plate", "P-7", "--out", out, "--json"],
                             db: newDatabase())
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        #expect(report["plateID"] as? String == "P-7")
        let analysis = try #require(report["analysis"] as? [String: Any])
        let wells = try #require(analysis["wells"] as? [[String: Any]])
        #expect(wells.count == 96)
        // The simulator amplifies with efficiency 0.95 (1.95-fold per cycle); the standard curve gives it back.
        let curve = try #require((analysis["standardCurves"] as? [[String: Any]])?.first)
        #expect(abs((curve["efficiency"] as? Double ?? 0) - 1.95) < 0.03)
        #expect((curve["r2"] as? Double ?? 0) > 0.99)
        // Standards quantified from the curve come back within 25 % of their layout quantity.
        let a1 = try #require(wells.first { $0["well"] as? String == "A1" })
        #expect(abs((a1["quantity"] as? Double ?? 0) / 1e7 - 1) < 0.25)
        let ntc = wells.filter { $0["sampleType"] as? String == "ntc" }
        #expect(ntc.count == 12)
        #expect(ntc.allSatisfy { ($0["meltPeaks"] as? [Double])?.isEmpty == true })
        // The file re-analyses to the same Cqs.
        let again = try precis(["analyze", "qpcr", out, "--json"], db: newDatabase())
        let wellsAgain = try #require((try again.json() as? [String: Any])?["wells"] as? [[String: Any]])
        #expect(wellsAgain.map { $0["cq"] as? Double } == wells.map { $0["cq"] as? Double })
    }

    @Test func anUnpluggedCyclerKeepsWhatArrived() throws {
        let folder = try TestPaths.temporaryFolder("plate-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("plate.rdml")
        let run = try precis(["plate", "--device", "sim:qpcr?cycle-ms=0&disconnect-after=30", "--layout", layout, "--out", out.path],
                             db: newDatabase())
        #expect(run.status == 5, "\(run.stderr)")
        #expect(run.stderr.contains("unplugged") && run.stderr.contains("30 readings that arrived"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let partial = folder.appendingPathComponent("plate.partial.rdml").path
        let read = try precis(["analyze", "qpcr", partial, "--json"], db: newDatabase())
        #expect(read.status == 0, "\(read.stderr)")
    }

    @Test func aBadLayoutIsRefusedBeforeTheRun() throws {
        let folder = try TestPaths.temporaryFolder("plate-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (text, reason) in [("well,sample,type\nZ1,S-1,unkn\n", "not on a 96-well plate"),
                               ("well,sample,type\nA1,Jane Doe,unkn\n", "not a valid pseudonymous id"),
                               ("well,sample,type\nA1,S-1,std\n", "has no quantity"),
                               ("well,sample,type\nA1,S-1,sample\n", "is not one of")] {
            let file = folder.appendingPathComponent("layout.csv")
            try Data(text.utf8).write(to: file)
            let run = try precis(["plate", "--device", "sim:qpcr?cycle-ms=0", "--layout", file.path, "--out",
                                  folder.appendingPathComponent("p.rdml").path], db: newDatabase())
            #expect(run.status == 2, "\(run.stderr)")
            #expect(run.stderr.contains(reason), "\(run.stderr)")
            #expect(!run.stderr.contains("Jane"))
        }
    }
}
