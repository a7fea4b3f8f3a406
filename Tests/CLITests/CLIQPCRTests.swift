import Foundation
import Testing

/// `precis analyze qpcr` through the built binary.
@Suite struct CLIQPCRTests {
    let fixture = repoRoot.appendingPathComponent("Tests/Conformance/Fixtures/qpcr/own_mix_a.rdml").path

    /// One JSON object per well and dye with well, target, cq, efficiency, n0 and flags; the RDML
    /// written back holds the results and analyses to the same numbers.
    @Test func jsonHasOneObjectPerWellAndTheWrittenRDMLAgrees() throws {
        let folder = try TestPaths.temporaryFolder("qpcr-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("analysed.rdml").path
        let run = try precis(["analyze", "qpcr", fixture, "--json", "--write-rdml", out], db: newDatabase())
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        let wells = try #require(report["wells"] as? [[String: Any]])
        #expect(wells.count == 22)
        let d11 = try #require(wells.first { $0["well"] as? String == "D11" })
        #expect(d11["target"] as? String == "DMSO 0.0 - Mg 3.0")
        #expect(abs((d11["cq"] as? Double ?? 0) - 24.67) < 0.01)
        #expect(abs((d11["efficiency"] as? Double ?? 0) - 1.9644) < 0.001)
        #expect((d11["n0"] as? Double ?? 0) > 0)
        #expect(d11["flags"] as? [String] == [])
        #expect(d11["sample"] as? String == "5ng gDNA")

        let again = try precis(["analyze", "qpcr", out, "--json"], db: newDatabase())
        #expect(again.status == 0, "\(again.stderr)")
        let wellsAgain = try #require((try again.json() as? [String: Any])?["wells"] as? [[String: Any]])
        #expect(wellsAgain.map { $0["cq"] as? Double } == wells.map { $0["cq"] as? Double })

        let text = try precis(["analyze", "qpcr", fixture, "--plot"], db: newDatabase())
        #expect(text.status == 0)
        #expect(text.stdout.contains("D11"))
        #expect(text.stdout.contains("▲ Cq"))
    }

    @Test func malformedRDMLIsOneLineAndExitTwo() throws {
        let folder = try TestPaths.temporaryFolder("qpcr-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try Data(contentsOf: URL(fileURLWithPath: fixture))
        let cut = folder.appendingPathComponent("cut.rdml")
        try original.prefix(original.count - 100).write(to: cut)
        let bad = folder.appendingPathComponent("bad.rdml")
        try Data("<rdml version=\"1.4\"><experiment id=\"E\"><run id=\"R\"><react id=\"1\"/></run></experiment></rdml>".utf8).write(to: bad)
        for (file, reason) in [(cut.path, "ZIP"), (bad.path, "pcrFormat"), (folder.appendingPathComponent("none.rdml").path, "cannot read")] {
            let result = try precis(["analyze", "qpcr", file, "--json"], db: newDatabase())
            #expect(result.status == 2, "\(file): \(result.stderr)")
            #expect(result.stdout.isEmpty, "no number is printed")
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(reason), "\(result.stderr)")
            #expect(!looksLikeACrash(result.stderr))
        }
        let option = try precis(["analyze", "qpcr", fixture, "--efficiency-exclusion", "median"], db: newDatabase())
        #expect(option.status == 2)
    }
}
