import Foundation
import Testing

/// Each of the five simulated families from the command line to the centre and the LIS, in
/// one store: `precis run` → `results --json` lists the run with its results and raw data →
/// `queue --json` holds one pending entry per result and destination → `upload --now` →
/// the centre holds each result once (and the sequencing run's reads file as one
/// DocumentReference), the LIS's drop folder one ORU per result; a second upload sends nothing.
@Suite struct CLIEveryFamilyTests {
    @Test func everyFamilyRunsFromTheCommandLineToTheCentreOnce() throws {
        let folder = try TestPaths.temporaryFolder("cli-families")
        defer { try? FileManager.default.removeItem(at: folder) }
        let destinations = try TestDestinations(folder: folder, site: "cli-bench")
        defer { destinations.stop() }
        let centre = destinations.centre, config = destinations.config
        let env = ["PRECIS_CONFIG": config.path], db = newDatabase()
        let plates = repoRoot.appendingPathComponent("Calibration/plates")
        let runs: [(arguments: [String], kind: String, results: Int)] = [
            (["--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-0001"], "strip", 1),
            (["--device", "sim:methodscript?lead=12", "--assay", "lead", "--lot", "PB26D01", "--sample", "S-0002"], "voltammetry", 1),
            (["--device", "sim:qpcr?cycle-ms=0&wells=\(plates.appendingPathComponent("hiv1-vl-sim-wells.csv").path)",
              "--assay", "hiv1-vl", "--lot", "HIV26B01", "--layout", plates.appendingPathComponent("hiv1-vl-plate.csv").path,
              "--plate", "PLATE-0001"], "plate", 4),
            (["--device", "sim:nps?channels=4&reads=3&length=3000&gap=400&fast", "--sample", "S-0003",
              "--output", folder.appendingPathComponent("reads.blow5").path], "sequencing", 1),
            (["--device", "sim:obp?hb=13.2", "--assay", "hb", "--lot", "HB26E01", "--sample", "S-0004"], "absorbance", 1),
        ]
        for run in runs {
            let done = try precis(["run"] + run.arguments + ["--json"], db: db, environment: env)
            #expect(done.status == 0, "\(run.kind): \(done.stderr)")
        }

        let listed = try #require(try precis(["results", "--json"], db: db, environment: env).json() as? [[String: Any]])
        #expect(listed.compactMap { $0["kind"] as? String } == ["absorbance", "sequencing", "plate", "voltammetry", "strip"])
        var resultIDs: [Int] = []
        for (run, expected) in zip(listed, runs.reversed()) {
            let kind = expected.kind
            #expect(run["status"] as? String == "COMPLETED", "\(kind)")
            let ids = (run["results"] as? [[String: Any]])?.compactMap { $0["resultId"] as? Int }
                ?? [run["resultId"] as? Int].compactMap { $0 }
            #expect(ids.count == expected.results, "\(kind)")
            resultIDs += ids
            let raw = (run["rawData"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
            switch kind {
            case "strip": #expect((run["rawProfile"] as? [String: Any])?["complete"] as? Bool == true)
            case "voltammetry": #expect(raw == ["voltammogram"])
            case "plate": #expect(raw == ["qpcr-rdml"])
            case "absorbance":
                #expect(raw == ["spectra"])
                #expect((run["results"] as? [[String: Any]])?.first?["display"] as? String == "13.2 g/dL", "\(run)")
            default: #expect(raw == ["reads"])
            }
        }
        #expect(Set(resultIDs).count == 8)

        let queue = try #require(try precis(["queue", "--json"], db: db, environment: env).json() as? [[String: Any]])
        let pairs = queue.compactMap { e -> String? in
            guard let id = e["resultId"] as? Int, let to = e["destination"] as? String, e["state"] as? String == "pending" else { return nil }
            return "\(id)→\(to)"
        }
        #expect(pairs.count == 16 && Set(pairs).count == 16, "one pending entry per result and destination: \(pairs)")
        #expect(Set(queue.compactMap { $0["destination"] as? String }) == ["centre", "lis"])

        let upload = try precis(["upload", "--now"], db: db, environment: env)
        #expect(upload.status == 0, "\(upload.stderr)")
        #expect(try centre.stats().observations == (8, 8))
        let counts = try centre.resourceCounts()
        #expect(counts["DocumentReference"] == 1 && counts["Device"] == 5)
        // Each instrument is named what its family's device.json says it is.
        let types = try runProcess("/usr/bin/sqlite3", [centre.db, "SELECT json_extract(body, '$.type.text') FROM resources WHERE type = 'Device'"])
            .stdout.split(separator: "\n").map(String.init)
        let names = try ["lfr", "methodscript", "qpcr", "nps", "obp"].map { family in
            let url = repoRoot.appendingPathComponent("Firmware-Protocols/\(family)/device.json")
            return try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])?["name"] as? String)
        }
        #expect(Set(types) == Set(names), "\(types)")
        let messages = try destinations.messages()
        #expect(messages.count == 8, "\(messages)")
        // The haemoglobin went as LOINC 718-7 in g/dL to the LIS too.
        let texts = try messages.map { try String(contentsOf: destinations.drop.appendingPathComponent($0), encoding: .utf8) }
        #expect(texts.contains { $0.contains("OBX|1|NM|718-7^") && $0.contains("||13.2|g/dL^g/dL^UCUM|") }, "\(texts)")
        _ = try precis(["upload", "--now"], db: db, environment: env)            // nothing is due: nothing is sent again
        #expect(try centre.stats().observations == (8, 8))
        #expect(try destinations.messages().count == 8)
        #expect((try precis(["queue", "--json"], db: db, environment: env).json() as? [[String: Any]])?.isEmpty == true)
        #expect(try precis(["audit", "verify"], db: db, environment: env).status == 0)
    }
}
