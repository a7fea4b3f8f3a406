import Foundation
import Testing

/// The haemoglobin assay on a simulated Ocean spectrometer from the command line: the number
/// the lot's line gives for the sample the simulator holds, on every model and through
/// turbidity; the spectra stored and drawn; each thing that can go wrong a clear outcome.
@Suite struct CLIAbsorbanceTests {
    static let hb = ["--assay", "hb", "--lot", "HB26E01"]

    func run(_ device: String, _ extra: [String] = [], db: String) throws -> Invocation {
        try precis(["run", "--device", device] + Self.hb + ["--sample", "S-0100", "--json"] + extra, db: db)
    }

    @Test(arguments: [("sim:obp?hb=14", 14.0), ("sim:obp?hb=6.2&model=STS", 6.2), ("sim:obp?hb=18.5&model=QE-Pro", 18.5),
                      ("sim:obp?hb=11&model=SR4", 11.0), ("sim:obp?hb=12&turbidity=0.4", 12.0)])
    func theSampleReadsWhatTheSimulatorHolds(device: String, grams: Double) throws {
        let done = try run(device, db: newDatabase())
        #expect(done.status == 0, "\(done.stderr)")
        let report = try #require(try done.json() as? [String: Any])
        let value = try #require((report["concentration"] as? [String: Any])?["value"] as? Double)
        // One step of the display (0.1 g/dL), whatever the model's pixels and the sample's scatter.
        #expect(abs(value - grams) <= 0.1 + 1e-9, "\(device): \(value)")
        let a = try #require(report["absorbance"] as? Double)
        #expect(abs(a - (0.06 * grams + 0.004)) < 0.01, "A_corr on lot HB26E01's line: \(a)")
        #expect(report["kind"] as? String == "absorbance" && report["status"] as? String == "COMPLETED")
    }

    @Test func theStoredSpectraAreShownAndGivenBack() throws {
        let db = newDatabase()
        let done = try run("sim:obp?hb=9.1", db: db)
        let runID = try #require((try done.json() as? [String: Any])?["runId"] as? Int)
        let shown = try precis(["results", "show", String(runID)], db: db)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("result  9.1 g/dL"), "\(shown.stdout)")
        #expect(shown.stdout.contains("Ocean ST · 20 ms × 10 scans · lot HB26E01 v1"), "\(shown.stdout)")
        #expect(shown.stdout.contains("A(570 ± 2.5 nm) ") && shown.stdout.contains("A(880 ± 2.5 nm) "), "\(shown.stdout)")
        #expect(shown.stdout.contains("absorbance (AU) over wavelength (nm)"), "\(shown.stdout)")
        let ruler = try #require(shown.stdout.split(separator: "\n").first { $0.contains("A") && $0.contains("B") && $0.allSatisfy { " |AB".contains($0) } })
        let a = try #require(ruler.firstIndex(of: "A")), b = try #require(ruler.firstIndex(of: "B"))
        #expect(a < b, "570 nm left of 880 nm: \(ruler)")
        #expect(shown.stdout.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "a braille plot")

        let json = try #require(try precis(["results", "show", String(runID), "--json"], db: db).json() as? [String: Any])
        let spectra = try #require(json["absorbance"] as? [String: Any])
        for role in ["dark", "reference", "sample", "wavelengthsNM", "absorbance"] {
            #expect((spectra[role] as? [Any])?.count == 1516, "\(role)")
        }
        #expect(spectra["maxCount"] as? Double == 16_383)
        let analysis = try #require(spectra["analysis"] as? [String: Any])
        #expect((analysis["analytical"] as? [String: Any])?["status"] as? String == "valid")

        // The raw data given back is the CSV the run stored: the dark below the blank everywhere it is lit.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("spectra-\(UUID().uuidString).csv")
        let raw = try precis(["results", "raw", String(runID), "--out", out.path], db: db)
        #expect(raw.status == 0, "\(raw.stderr)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "wavelength_nm,dark,reference,sample" && lines.count == 1517)
        let at570 = try #require(lines.dropFirst().first { (Double($0.split(separator: ",")[0]) ?? 0) >= 570 })
        let cells = at570.split(separator: ",").compactMap { Double($0) }
        #expect(cells[1] < cells[3] && cells[3] < cells[2], "dark < sample < reference at 570 nm: \(cells)")
    }

    @Test func aReadingWithNoNumberIsInvalidAndSaysWhy() throws {
        let db = newDatabase()
        for (device, flag, why) in [("sim:obp?gain=8", "SATURATED", "the detector saturated"),
                                    ("sim:obp?hb=40", "ABOVE_LINEAR_LIMIT", "above the photometer's linear range")] {
            let done = try run(device, db: db)
            #expect(done.status == 7, "\(device): \(done.stderr)")
            let report = try #require(try done.json() as? [String: Any])
            #expect(report["status"] as? String == "INVALID" && report["concentration"] == nil)
            #expect(report["flags"] as? [String] == [flag], "\(device)")
            #expect((report["interpretation"] as? [String])?.first?.contains(why) == true, "\(report)")
        }
        // Stored INVALID with the reason, and queued: the centre hears there is no number (a cancelled Observation).
        let listed = try #require(try precis(["results", "--json"], db: db).json() as? [[String: Any]])
        #expect(listed.compactMap { ($0["results"] as? [[String: Any]])?.first?["status"] as? String } == ["INVALID", "INVALID"])
        #expect(listed.allSatisfy { (($0["results"] as? [[String: Any]])?.first?["reason"] as? String)?.isEmpty == false })
    }

    @Test func aSessionThatFailsIsAbortedKeepingTheSpectraTaken() throws {
        let db = newDatabase()
        // 13 requests: identify (serial), integration, wavelengths, the dark's 10 scans; the cable goes during the blank.
        let unplugged = try run("sim:obp?unplug-after=16", db: db)
        #expect(unplugged.status == 6, "\(unplugged.stderr)")
        let report = try #require(try unplugged.json() as? [String: Any])
        #expect(report["status"] as? String == "ABORTED")
        #expect(((report["error"] as? [String: Any])?["message"] as? String)?.contains("went away") == true, "\(report)")
        let runID = try #require(report["runId"] as? Int)
        let shown = try #require(try precis(["results", "show", String(runID), "--json"], db: db).json() as? [String: Any])
        let spectra = try #require(shown["absorbance"] as? [String: Any])
        #expect((spectra["dark"] as? [Any])?.count == 1516 && spectra["reference"] == nil && spectra["sample"] == nil, "\(spectra.keys)")
        let raw = try #require((shown["summary"] as? [String: Any])?["rawData"] as? [[String: Any]])
        #expect(raw.first?["complete"] as? Bool == false)

        let refused = try run("sim:obp?fault=busy", db: db)
        #expect(refused.status == 6)
        #expect(refused.stdout.contains("device not ready for the message type (error 7)"), "\(refused.stdout)")

        let nobody = try run("sim:obp?operator=absent", ["--wait-cartridge", "1"], db: db)
        #expect(nobody.status == 6)
        #expect(nobody.stdout.contains("nobody carried out step 1 (Close the light path"), "\(nobody.stdout)")

        // Damaged and lost answers are asked for again: the number is the same as without them.
        let clean = try #require(try run("sim:obp?hb=13", db: db).json() as? [String: Any])
        let noisy = try #require(try run("sim:obp?hb=13&corrupt=5,14&drop=20", db: db).json() as? [String: Any])
        #expect(noisy["status"] as? String == "COMPLETED")
        #expect((noisy["concentration"] as? [String: Any])?["value"] as? Double == (clean["concentration"] as? [String: Any])?["value"] as? Double)
    }

    /// `operator=confirm`: the steps are the bench operator's, as on a real spectrometer: each
    /// is printed and waits for a line on stdin; stdin at its end stops the run.
    @Test func theBenchOperatorConfirmsEachStepOnStandardInput() throws {
        let db = newDatabase()
        let env = ["PRECIS_DB": db, "PRECIS_CALIBRATION": repoRoot.appendingPathComponent("Calibration").path]
        let arguments = ["run", "--device", "sim:obp?hb=10.4&operator=confirm"] + Self.hb + ["--sample", "S-0101"]
        let confirmed = try runProcess(TestPaths.precis.path, arguments, environment: env, input: "\n\n\n")
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(confirmed.stdout.contains("HB  10.4 g/dL"), "\(confirmed.stdout)")
        let asked = confirmed.stderr.split(separator: "\n").filter { $0.hasPrefix("Step ") }
        #expect(asked.count == 3 && asked.allSatisfy { $0.hasSuffix("then press Enter") }, "\(confirmed.stderr)")
        #expect(asked.first?.contains("Close the light path") == true && asked.last?.contains("sample cuvette") == true)

        let twoOnly = try runProcess(TestPaths.precis.path, arguments, environment: env, input: "\n\n")
        #expect(twoOnly.status == 6, "\(twoOnly.stderr)")
        #expect(twoOnly.stdout.contains("step 3 (Put the filled sample cuvette in the holder) was not confirmed"), "\(twoOnly.stdout)")
        #expect(twoOnly.stdout.contains("kept 2 of 3 readings"), "the dark and the blank are kept: \(twoOnly.stdout)")
    }

    /// A reading with no number reaches the centre as what it is: an Observation cancelled with
    /// no value and the reason, and an HL7 result marked X (cannot be done), never a number.
    @Test func anInvalidReadingIsDeliveredAsNoValue() throws {
        let folder = try TestPaths.temporaryFolder("cli-hb-invalid")
        defer { try? FileManager.default.removeItem(at: folder) }
        let destinations = try TestDestinations(folder: folder, site: "cli-bench")
        defer { destinations.stop() }
        let env = ["PRECIS_CONFIG": destinations.config.path], db = newDatabase()
        let done = try precis(["run", "--device", "sim:obp?gain=8"] + Self.hb + ["--sample", "S-0102"], db: db, environment: env)
        #expect(done.status == 7, "\(done.stderr)")
        #expect(try precis(["upload", "--now"], db: db, environment: env).status == 0)
        #expect(try destinations.centre.stats().observations == (1, 1))
        let body = try runProcess("/usr/bin/sqlite3", [destinations.centre.db,
                                                       "SELECT body FROM resources WHERE type = 'Observation'"]).stdout
        let observation = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(observation["status"] as? String == "cancelled" && observation["valueQuantity"] == nil, "\(observation)")
        #expect(observation["dataAbsentReason"] != nil, "\(observation)")
        #expect("\(observation)".contains("SATURATED"), "the flag goes with it: \(observation)")
        let message = try #require(try destinations.messages().first)
        let oru = try String(contentsOf: destinations.drop.appendingPathComponent(message), encoding: .utf8)
        #expect(oru.contains("OBX|1|ST|718-7^") && oru.contains("||||||||X|||"), "\(oru)")
        #expect(oru.contains("NTE|1|L|the detector saturated"), "\(oru)")
    }

    @Test func wrongRequestsAreRefusedBeforeAnythingIsStored() throws {
        let db = newDatabase()
        for (arguments, message) in [
            (["run", "--device", "sim:obp", "--assay", "hb", "--sample", "S-0100"], "needs the reagent lot"),
            (["run", "--device", "sim:obp?model=Flame", "--assay", "hb", "--lot", "HB26E01", "--sample", "S-0100"], "has no model 'Flame'"),
            (["run", "--device", "sim:obp?colour=red", "--assay", "hb", "--lot", "HB26E01", "--sample", "S-0100"], "colour"),
            (["run", "--device", "sim:lfr", "--assay", "hb", "--lot", "HB26E01", "--sample", "S-0100"], "obp"),
        ] {
            let refused = try precis(arguments, db: db)
            #expect(refused.status == 2, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains(message), "\(arguments): \(refused.stderr)")
        }
        #expect((try precis(["results", "--json"], db: db).json() as? [Any])?.isEmpty == true)
    }

    @Test func aRecordedSessionReplaysToTheSameNumber() throws {
        let db = newDatabase()
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("obp-\(UUID().uuidString).jsonl")
        let live = try #require(try run("sim:obp?hb=15.3&model=SR2&serial=SR2-0042", ["--record", trace.path], db: db).json() as? [String: Any])
        let header = try #require(try String(contentsOf: trace, encoding: .utf8).split(separator: "\n").first)
        #expect(header.contains("\"model\":\"Ocean SR2\""), "\(header)")
        let replayed = try #require(try run("replay:\(trace.path)", db: db).json() as? [String: Any])
        #expect(replayed["status"] as? String == "COMPLETED")
        #expect((replayed["instrument"] as? [String: Any])?["serial"] as? String == "SR2-0042")
        #expect(replayed["absorbance"] as? Double == live["absorbance"] as? Double)
        #expect((replayed["concentration"] as? [String: Any])?["value"] as? Double == 15.3)
    }
}
