import Foundation
import PrecisTestSupport
import Testing

/// No direct identifiers leave the bench, nor even enter it: the test patient's name and birth
/// date are refused as ids (without being repeated in the error), and nothing Precis writes —
/// Bundles, HL7 messages, files, its store, log lines, error messages — ever holds them.
@Suite(.serialized) struct NoDirectIdentifiersTests {
    static let birthDate = "1964-08-12"
    /// The name and the birth date in every spelling a scan should catch.
    static let forms = ["Erika", "Mustermann", "1964-08-12", "12.08.1964", "19640812", "12081964", "08121964",
                        "12/08/1964", "08/12/1964", "12-08-1964", "12.08.64"]

    /// The forms found in `text` (case-insensitive).
    static func leaks(_ text: String) -> [String] {
        forms.filter { text.range(of: $0, options: .caseInsensitive) != nil }
    }

    @Test(arguments: [
        ("--sample", "Erika Mustermann"), ("--sample", "Mustermann"), ("--patient", "ERIKA.MUSTERMANN"),
        ("--patient", "Erika_Mustermann"), ("--patient", "1964-08-12"), ("--patient", "12.08.1964"),
        ("--patient", "19640812"), ("--sample", "P-19640812"), ("--patient", "Mustermann-1964-08-12"),
        ("--patient", "08-12-1964"),
    ])
    func aNameOrBirthDateIsRefusedAsAnIdAndNotRepeated(option: String, value: String) throws {
        let bench = try Bench("pii-refused")
        var arguments = ["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "-v"]
        arguments += option == "--sample" ? ["--sample", value] : ["--sample", "S-0001", "--patient", value]
        let run = try bench.precis(arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains("pseudonymous") || run.stderr.contains("birth date") || run.stderr.contains("name"))
        #expect(Self.leaks(run.stdout + run.stderr).isEmpty, "\(run.stderr)")
        #expect((try bench.precis(["results", "--json"]).json() as? [Any])?.isEmpty == true)   // nothing stored
    }

    @Test func nothingPrecisWritesHoldsTheNameOrBirthDate() throws {
        var bench = try Bench("pii-scan")
        let centreFolder = try TestPaths.temporaryFolder("pii-centre")
        // A centre that fails a third of the requests, so that retries, errors and their log lines are scanned too.
        let centre = try TestCentre(["--fail-ratio", "0.35", "--seed", "3", "--slow-seconds", "0.2"], folder: centreFolder)
        defer { centre.stop() }
        let lis = bench.folder.appendingPathComponent("lis-drop")
        try bench.configure(centre: centre.url, lisFolder: lis)

        var seen: [String] = []
        func keep(_ invocation: Invocation) { seen.append(invocation.stdout + invocation.stderr) }
        for (n, options) in ["", "&ratio=0", "&ratio=2.4", "&control=0"].enumerated() {
            keep(try bench.run(sample: "S-000\(n + 1)", patient: "P-0042", options: options, verbose: true))
        }
        keep(try bench.precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-0009",
                               "--patient", "Erika Mustermann", "-v"]))
        keep(try bench.precis(["run", "--device", "sim:lfr?reading-ms=0", "--assay", "crp", "--sample", "S-0010",
                               "--patient", Self.birthDate, "-v"]))
        try bench.uploadUntilDrained(verbose: true).forEach(keep)
        #expect((try bench.precis(["queue", "--json"]).json() as? [Any])?.isEmpty == true, "the queue did not drain")
        for run in 1...4 {
            keep(try bench.precis(["export", "fhir", "--run", "\(run)"]))
            keep(try bench.precis(["export", "hl7v2", "--run", "\(run)"]))
            keep(try bench.precis(["results", "show", "\(run)", "--json"]))
        }
        keep(try bench.precis(["queue", "--all"]))
        seen.append(try runProcess("/usr/bin/sqlite3", [centre.db, ".dump"]).stdout)
        seen.append(try runProcess("/usr/bin/sqlite3", [bench.db, ".dump"]).stdout)
        for file in try FileManager.default.contentsOfDirectory(atPath: lis.path) {
            seen.append(try String(contentsOf: lis.appendingPathComponent(file), encoding: .utf8))
        }

        let everything = seen.joined(separator: "\n")
        // The scan saw the real traffic: Bundles, ORU messages, retries and debug logs.
        #expect(everything.contains("P-0042"))
        #expect(everything.contains("\"resourceType\""))
        #expect(everything.contains("ORU^R01"))
        #expect(everything.contains("will retry"), "the failing centre caused no retry to scan")
        #expect(Self.leaks(everything).isEmpty, "found \(Self.leaks(everything))")
    }
}
