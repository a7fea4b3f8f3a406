import Foundation
import PrecisCore
import PrecisTestSupport
import Testing

/// No direct identifiers anywhere: Precis refuses a name or a birth date as an id (without
/// repeating it), and a result's Bundle, HL7 message, logs and errors carry none.
@Suite(.serialized) struct IdentifierTests {
    static let name = ["Jane", "Doe"], birthDate = "1984-03-12"

    func precis(_ arguments: [String], db: String, config: String) throws -> Invocation {
        try runProcess(TestPaths.precis.path, arguments + ["--db", db, "--config", config, "--verbose"],
                       environment: ["PRECIS_CALIBRATION": TestPaths.root.appendingPathComponent("Calibration").path])
    }

    @Test func namesAndBirthDatesNeverGetInAndNeverComeOut() throws {
        let folder = try TestPaths.temporaryFolder("ids")
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        let lis = folder.appendingPathComponent("lis")
        try FileManager.default.createDirectory(at: lis, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: ["site": "ward7", "centre": ["baseURL": centre.url],
                                                    "lis": ["dropFolder": lis.path]]).write(to: config)
        let db = folder.appendingPathComponent("p.sqlite").path
        var everything = ""
        for patient in ["Jane Doe", "Doe,Jane", Self.birthDate, "12.03.1984"] {
            let refused = try precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-1",
                                      "--patient", patient], db: db, config: config.path)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("not a valid pseudonymous id"))
            everything += refused.stdout + refused.stderr
        }
        let run = try precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-2", "--patient", "P-7F3A"],
                             db: db, config: config.path)
        #expect(run.status == 0)
        let upload = try precis(["upload", "--now"], db: db, config: config.path)
        #expect(upload.stdout.contains("delivered 2"), "\(upload.stdout) \(upload.stderr)")
        let bundle = try precis(["export", "fhir", "--run", "1"], db: db, config: config.path)
        let hl7 = try precis(["export", "hl7v2", "--run", "1"], db: db, config: config.path)
        #expect(bundle.stdout.contains("P-7F3A"))
        #expect(hl7.stdout.contains("P-7F3A"))
        let dropped = try FileManager.default.contentsOfDirectory(at: lis, includingPropertiesForKeys: nil)
            .map { try String(contentsOf: $0, encoding: .utf8) }.joined()
        everything += [run, upload, bundle, hl7].map { $0.stdout + $0.stderr }.joined() + dropped + (try centre.storedText())
        everything += try runProcess("/usr/bin/env", ["sqlite3", db, ".dump"]).stdout
        for word in Self.name + [Self.birthDate, "12.03.1984"] {
            #expect(!everything.contains(word), "\(word) appeared in an output")
        }
        #expect(everything.contains("Patient") == false || !everything.contains("\"resourceType\":\"Patient\""))
    }
}
