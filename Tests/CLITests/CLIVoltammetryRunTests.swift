import Foundation
import Testing

/// Blood lead on the simulated potentiostat from the command line to the centre.
@Suite struct CLIVoltammetryRunTests {
    @Test func aLeadResultGoesFromThePotentiostatToTheCentreOnce() throws {
        let folder = try TestPaths.temporaryFolder("cli-lead")
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        let env = try CLIPlateRunTests.configuration(centre, in: folder)
        let db = newDatabase()
        let run = try precis(["run", "--device", "sim:methodscript?lead=12", "--assay", "lead", "--lot", "PB26D01",
                              "--sample", "S-6001", "--patient", "P-6001"], db: db, environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("12.0 µg/dL"))
        let listed = try #require(try precis(["results", "--json"], db: db, environment: env).json() as? [[String: Any]])
        #expect(listed.count == 1)
        #expect(listed[0]["kind"] as? String == "voltammetry")
        #expect((listed[0]["concentration"] as? [String: Any])?["value"] as? Double == 12.0)
        #expect((listed[0]["rawData"] as? [[String: Any]])?.first?["kind"] as? String == "voltammogram")
        let queue = try #require(try precis(["queue", "--json"], db: db, environment: env).json() as? [[String: Any]])
        #expect(queue.count == 1)
        #expect(queue.first?["sample"] as? String == "S-6001")
        #expect(try precis(["upload", "--now"], db: db, environment: env).status == 0)
        #expect(try centre.stats().observations == (1, 1))
        _ = try precis(["upload", "--now"], db: db, environment: env)
        #expect(try centre.stats().observations == (1, 1))
        let show = try precis(["results", "show", "1"], db: db, environment: env)
        #expect(show.stdout.contains("stripping peak at -0.500 V"))
        #expect(show.stdout.contains("P: the stripping peak"))
    }
}
