import Foundation
import Testing

/// A qPCR assay from the command line to the centre: `precis run` on the simulated cycler,
/// `results --json` lists the plate with its results and RDML, `queue --json` holds one entry
/// per result, `upload --now` delivers them to the test centre, which holds each one once.
@Suite struct CLIPlateRunTests {
    static let plates = repoRoot.appendingPathComponent("Calibration/plates")

    static func configuration(_ centre: TestCentre, in folder: URL) throws -> [String: String] {
        let config = folder.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: ["site": "cli-bench", "centre": ["baseURL": centre.url, "production": false]])
            .write(to: config)
        return ["PRECIS_CONFIG": config.path]
    }

    static func wells(_ stem: String, editing edit: (String) -> String = { $0 }) throws -> String {
        let text = try String(contentsOf: plates.appendingPathComponent("\(stem)-sim-wells.csv"), encoding: .utf8)
        let url = try TestPaths.temporaryFolder("wells").appendingPathComponent("wells.csv")
        try edit(text).write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func aViralLoadPlateGoesFromTheCyclerToTheCentreOnce() throws {
        let folder = try TestPaths.temporaryFolder("cli-plate")
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        let env = try Self.configuration(centre, in: folder)
        let db = newDatabase()
        let run = try precis(["run", "--device", "sim:qpcr?cycle-ms=0&wells=\(try Self.wells("hiv1-vl"))", "--assay", "hiv1-vl",
                              "--lot", "HIV26B01", "--layout", Self.plates.appendingPathComponent("hiv1-vl-plate.csv").path,
                              "--plate", "PLATE-0001", "--json"], db: db, environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try run.json() as? [String: Any])
        #expect(report["kind"] as? String == "plate")
        #expect((report["results"] as? [[String: Any]])?.count == 4)

        let listed = try #require(try precis(["results", "--json"], db: db, environment: env).json() as? [[String: Any]])
        #expect(listed.count == 1)
        #expect(listed[0]["kind"] as? String == "plate")
        #expect(listed[0]["sample"] as? String == "PLATE-0001")
        let results = try #require(listed[0]["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["sample"] as? String } == ["S-1001", "S-1002", "S-1003", "S-1004"])
        #expect(results.compactMap { ($0["concentration"] as? [String: Any])?["unit"] as? String }.allSatisfy { $0 == "{copies}/mL" })
        let raw = try #require(listed[0]["rawData"] as? [[String: Any]])
        #expect(raw.count == 1)
        #expect(raw[0]["kind"] as? String == "qpcr-rdml")
        #expect((raw[0]["sha256"] as? String)?.count == 64)

        let queue = try #require(try precis(["queue", "--json"], db: db, environment: env).json() as? [[String: Any]])
        #expect(queue.count == 4)
        #expect(Set(queue.compactMap { $0["sample"] as? String }) == ["S-1001", "S-1002", "S-1003", "S-1004"])
        #expect(queue.allSatisfy { $0["state"] as? String == "pending" && $0["destination"] as? String == "centre" })

        let upload = try precis(["upload", "--now"], db: db, environment: env)
        #expect(upload.status == 0, "\(upload.stderr)")
        #expect(try centre.stats().observations == (4, 4))
        _ = try precis(["upload", "--now"], db: db, environment: env)            // nothing is due: nothing is sent again
        #expect(try centre.stats().observations == (4, 4))
        #expect((try precis(["queue", "--json"], db: db, environment: env).json() as? [[String: Any]])?.isEmpty == true)

        let show = try precis(["results", "show", "1"], db: db, environment: env)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("pass  no-template control"))
        #expect(show.stdout.contains("S-1003"))
        #expect(show.stdout.contains("copies/mL"))
        #expect(show.stdout.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })   // the curves, drawn
        #expect(try precis(["audit", "verify"], db: db, environment: env).status == 0)
    }

    @Test func aPlateWithAnAmplifiedNTCIsReportedAndItsResultsGoOutInvalid() throws {
        let folder = try TestPaths.temporaryFolder("cli-plate-ntc")
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        let env = try Self.configuration(centre, in: folder)
        let db = newDatabase()
        let wells = try Self.wells("sars-cov-2") { $0.replacingOccurrences(of: "A2,,2e4", with: "A2,80,2e4") }
        let run = try precis(["run", "--device", "sim:qpcr?cycle-ms=0&wells=\(wells)", "--assay", "sars-cov-2", "--lot", "SC226C03",
                              "--layout", Self.plates.appendingPathComponent("sars-cov-2-plate.csv").path], db: db, environment: env)
        #expect(run.status == 7, "\(run.stderr)")
        #expect(run.stdout.contains("FAIL  no-template control: NTC A2 amplified (Cq "))
        #expect(run.stdout.contains("PLATE INVALID"))
        #expect(!run.stdout.contains("Detected"))
        let upload = try precis(["upload", "--now"], db: db, environment: env)
        #expect(upload.status == 0, "\(upload.stderr)")
        #expect(try centre.stats().observations == (4, 4))
        let stored = try centre.storedText()
        #expect(stored.contains("\"cancelled\""))
        #expect(!stored.contains("260373001"))                                    // no Detected reached the centre
    }

    @Test func aPlateNeedsItsLayoutAndLotAndNoSampleOfItsOwn() throws {
        let db = newDatabase()
        let layout = Self.plates.appendingPathComponent("hiv1-vl-plate.csv").path
        let noLot = try precis(["run", "--device", "sim:qpcr", "--assay", "hiv1-vl", "--layout", layout], db: db)
        #expect(noLot.status == 2)
        #expect(noLot.stderr.contains("needs the kit's lot"))
        let noLayout = try precis(["run", "--device", "sim:qpcr", "--assay", "hiv1-vl", "--lot", "HIV26B01", "--sample", "S-1"], db: db)
        #expect(noLayout.status == 2)
        #expect(noLayout.stderr.contains("needs the plate's layout"))
        let both = try precis(["run", "--device", "sim:qpcr", "--assay", "hiv1-vl", "--layout", layout, "--sample", "S-1"], db: db)
        #expect(both.status == 2)
        #expect(both.stderr.contains("give --plate ID, not --sample"))
        let typo = try precis(["run", "--device", "sim:qpcr?wels=x.csv", "--assay", "hiv1-vl", "--lot", "HIV26B01", "--layout", layout], db: db)
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("has no option 'wels'"))
    }
}
