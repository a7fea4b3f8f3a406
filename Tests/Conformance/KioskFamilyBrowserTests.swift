import Foundation
import PrecisStore
import PrecisTestSupport
import Testing

/// A run of each family through the kiosk page in Debian's chromium (`python/kiosk_families.py`):
/// the form offers what the family needs, the live plot grows as the run's events arrive, and
/// the results the page shows are the ones in the store and in its queue.
extension KioskBrowserTests {
    @Test("a qPCR plate through the page: layout file, live curves, a row per sample as stored, an invalid plate with its reason, the queue")
    func plateThroughThePage() async throws {
        let kiosk = try await KioskProcess.launch(arguments: ["--training"])
        defer { kiosk.kill() }
        let plates = Repo.root.appendingPathComponent("Calibration/plates")
        let layout = plates.appendingPathComponent("hiv1-vl-plate.csv").path
        let wells = plates.appendingPathComponent("hiv1-vl-sim-wells.csv").path
        // the same plate with its no-template control amplifying: the plate's controls fail
        let failing = FileManager.default.temporaryDirectory.appendingPathComponent("precis-ntc-\(UUID().uuidString).csv")
        try String(contentsOfFile: wells, encoding: .utf8).replacingOccurrences(of: "A11,,2e4", with: "A11,1e3,2e4")
            .write(to: failing, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: failing) }
        let runs: [[String: String]] = [
            ["name": "plate", "device": "sim:qpcr", "options": "cycle-ms=5&wells=\(wells)", "assay": "hiv1-vl", "lot": "HIV26B01",
             "sample": "PLATE-B1", "layout": layout],
            ["name": "plate-ntc-fails", "device": "sim:qpcr", "options": "cycle-ms=5&wells=\(failing.path)", "assay": "hiv1-vl",
             "lot": "HIV26B01", "sample": "PLATE-B2", "layout": layout],
        ]
        let layoutWells = try String(contentsOfFile: layout, encoding: .utf8).split(separator: "\n").dropFirst()
            .compactMap { $0.split(separator: ",").first.map(String.init) }
        let page = try await Self.families(kiosk, runs, folder: "plate")
        let shown = try #require(page["runs"] as? [[String: Any]])
        try #require(shown.count == 2)
        let store = try Store(path: kiosk.database)
        for (run, expectValid) in zip(shown, [true, false]) {
            let name = run["name"] as? String ?? "?"
            #expect(run["layoutShown"] as? Bool == true, "\(name): the form asks for the plate's layout")
            #expect(run["sampleLabel"] as? String == "Plate id")
            // the live curves: 22 wells' target fluorescence, a redraw per cycle, growing to all 45 cycles
            #expect(run["livePoints"] as? Int == 22 * 45, "\(name): the live plot drew every well's every cycle: \(run["livePoints"] ?? "none")")
            let growth = run["liveGrowth"] as? [Int] ?? []
            #expect(growth.count >= 45 && zip(growth, growth.dropFirst()).allSatisfy { $0 <= $1 } && (growth.first ?? 0) < (growth.last ?? 0),
                    "\(name): the plot grew cycle by cycle: \(growth.prefix(5))…\(growth.suffix(2))")
            #expect(run["resultPoints"] as? Int == 22 * 45, "\(name): the result plot is the stored plate's target curves")
            #expect(run["detailPoints"] as? Int == 22 * 45, "\(name): the detail draws them too")
            let series = run["detailSeries"] as? [String] ?? []
            #expect(Set(series) == Set(layoutWells.map { "\($0):FAM" }), "\(name): the target's curve of every well, not the internal control's: \(series)")

            let sample = name == "plate" ? "PLATE-B1" : "PLATE-B2"
            let record = try #require(try store.runs(limit: 10).first { $0.sampleID == sample })
            #expect(run["runId"] as? Int == Int(record.id))
            let results = try store.results(forRun: record.id)
            let rows = run["rows"] as? [[String: Any]] ?? []
            #expect(rows.count == results.count && results.count == 4, "\(name): a row per patient sample: \(rows)")
            #expect((run["detailRows"] as? [[String: Any]])?.count == results.count, "\(name): the detail lists them too")
            for stored in results {
                let row = rows.first { $0["resultId"] as? Int == Int(stored.id) }
                #expect(row?["sample"] as? String == stored.sampleID, "\(name): result \(stored.id) shown with its sample")
                #expect(row?["status"] as? String == stored.status.rawValue)
                #expect(Set(row?["flags"] as? [String] ?? []) == Set(stored.flags.map(\.rawValue)), "\(name): \(stored.sampleID ?? "") flags")
                let value = row?["value"] as? String ?? ""
                if stored.status == .invalid {
                    #expect(value == "INVALID")
                    #expect(row?["reason"] as? String == stored.reason && stored.reason?.isEmpty == false)
                } else if let coded = stored.coded {
                    #expect(value == coded.display, "\(name): \(stored.sampleID ?? "") shows \(value), stored \(coded.display)")
                } else {
                    let c = try #require(stored.concentration)
                    let number = Double(value.split(separator: " ").last ?? "")
                    let comparator = value.contains(" ") ? String(value.split(separator: " ").first ?? "") : nil
                    #expect(number.map { abs($0 - c.value) <= 0.51 * pow(10, -Double(stored.decimals)) } == true,
                            "\(name): \(stored.sampleID ?? "") shows \(value), stored \(c.value)")
                    #expect(comparator == c.comparator)
                    #expect(row?["unit"] as? String == "copies/mL")
                }
                // in the page's queue with this run: as many entries as the store holds for it
                let queued = try store.outbox(forResult: stored.id)
                let listed = (run["queue"] as? [String: [String]])?[stored.sampleID ?? ""] ?? []
                #expect(!queued.isEmpty && listed.count == queued.count, "\(name): \(listed) in the queue, \(queued.count) in the store")
                #expect(listed.allSatisfy { $0.contains(queued.first?.state.rawValue ?? "?") })
            }
            if expectValid {
                #expect(record.status == .completed && results.allSatisfy { $0.status != .invalid })
                #expect(results.contains { $0.concentration != nil }, "a viral load is a number")
            } else {
                #expect(results.allSatisfy { $0.status == .invalid && $0.flags.map(\.rawValue).contains("PLATE_CONTROL_FAILED") },
                        "the failed NTC invalidates every sample")
                #expect((run["flags"] as? String)?.contains("PLATE_CONTROL_FAILED") == true, "the plate says why: \(run["flags"] ?? "")")
            }
        }
        try Self.checkScreens(page, count: 2 * 4)
    }

    @Test("a blood lead sweep through the page: lot from the list, the live voltammogram, the value as stored, the queue")
    func voltammetryThroughThePage() async throws {
        let kiosk = try await KioskProcess.launch(arguments: ["--training"])
        defer { kiosk.kill() }
        let runs: [[String: String]] = [
            ["name": "lead", "device": "sim:methodscript", "options": "lead=12", "assay": "lead", "lot": "PB26D01", "sample": "S-0301"],
        ]
        let page = try await Self.families(kiosk, runs, folder: "lead")
        let run = try #require((page["runs"] as? [[String: Any]])?.first)
        #expect(run["layoutShown"] as? Bool == false, "no layout for a sweep")
        #expect(run["sampleLabel"] as? String == "Sample id")
        #expect(run["livePoints"] as? Int == 201, "the live sweep drew all its points: \(run["livePoints"] ?? "none")")
        let growth = run["liveGrowth"] as? [Int] ?? []
        #expect(growth.count >= 2 && (growth.first ?? 0) < (growth.last ?? 0), "the sweep grew batch by batch: \(growth)")
        #expect(run["resultPoints"] as? Int == 201 && run["detailPoints"] as? Int == 201, "the stored voltammogram drawn")

        let store = try Store(path: kiosk.database)
        let record = try #require(try store.runs(limit: 1).first)
        #expect(record.sampleID == "S-0301" && record.status == .completed && record.kind == .voltammetry)
        let stored = try #require(try store.result(forRun: record.id))
        let value = run["value"] as? String ?? ""
        #expect(value.hasSuffix(" µg/dL"), "\(value)")
        let number = try #require(Double(value.split(separator: " ").first ?? ""))
        let c = try #require(stored.concentration)
        #expect(abs(number - c.value) < 0.051, "page shows \(value), store has \(c.value)")
        #expect((run["rows"] as? [Any])?.isEmpty == true, "one result: no table")
        let queue = run["queue"] as? [String: [String]] ?? [:]
        #expect(queue["S-0301"]?.count == (try store.outbox(forResult: stored.id)).count)
        #expect(queue["S-0301"]?.allSatisfy { $0.contains("pending") } == true)
        try Self.checkScreens(page, count: 4)
    }

    @Test("a haemoglobin reading through the page: each step confirmed with Done, the spectra live, the absorbance drawn, the value as stored")
    func absorbanceThroughThePage() async throws {
        let kiosk = try await KioskProcess.launch(arguments: ["--training"])
        defer { kiosk.kill() }
        let runs: [[String: String]] = [
            ["name": "hb", "device": "sim:obp", "options": "hb=13.7&operator=confirm", "assay": "hb", "lot": "HB26E01",
             "sample": "S-0401", "confirmSteps": "yes"],
        ]
        let page = try await Self.families(kiosk, runs, folder: "hb")
        let run = try #require((page["runs"] as? [[String: Any]])?.first)
        #expect(run["lotShown"] as? Bool == true && run["layoutShown"] as? Bool == false)
        let steps = run["stepsConfirmed"] as? [[String: Any]] ?? []
        #expect(steps.compactMap { $0["step"] as? String } == ["dark", "blank", "sample"], "\(steps)")
        #expect((steps.first?["text"] as? String)?.hasPrefix("Close the light path") == true)
        #expect((steps.first?["phase"] as? String)?.lowercased() == "step 1 of 3", "\(steps)")
        // live: the dark, the blank and the sample, each 1516 pixels of an Ocean ST, as they are taken
        #expect(run["livePoints"] as? Int == 3 * 1516, "\(run["livePoints"] ?? "none")")
        #expect((run["liveGrowth"] as? [Int]) == [1516, 2 * 1516, 3 * 1516], "\(run["liveGrowth"] ?? "none")")
        // the result: the absorbance where it can be read (the lamp is too dim in the deep blue)
        let drawn = run["resultPoints"] as? Int ?? 0
        #expect(drawn > 900 && drawn <= 1516 && run["detailPoints"] as? Int == drawn, "\(drawn)")

        let store = try Store(path: kiosk.database)
        let record = try #require(try store.runs(limit: 1).first)
        #expect(record.sampleID == "S-0401" && record.status == .completed && record.kind.rawValue == "absorbance")
        let stored = try #require(try store.result(forRun: record.id))
        #expect(run["value"] as? String == "13.7 g/dL", "\(run["value"] ?? "")")
        #expect(abs((stored.concentration?.value ?? 0) - 13.7) < 0.051, "the page shows the stored value, rounded")
        let queue = run["queue"] as? [String: [String]] ?? [:]
        #expect(queue["S-0401"]?.count == (try store.outbox(forResult: stored.id)).count)
        try Self.checkScreens(page, count: 5)
    }

    @Test("a sequencing run through the page: no lot asked, live pore occupancy, the reads as stored, the length histogram, the queue")
    func sequencingThroughThePage() async throws {
        let kiosk = try await KioskProcess.launch(arguments: ["--training"])
        defer { kiosk.kill() }
        // at the sampling rate, so that the page sees snapshots while it runs (about 3 s of signal)
        let runs: [[String: String]] = [
            ["name": "sequencing", "device": "sim:nps", "options": "channels=16&reads=4&length=3000&gap=400", "assay": "nanopore-run",
             "sample": "S-0401"],
        ]
        let page = try await Self.families(kiosk, runs, folder: "sequencing")
        let run = try #require((page["runs"] as? [[String: Any]])?.first)
        #expect(run["layoutShown"] as? Bool == false && run["lotShown"] as? Bool == false, "a sequencing run asks for no layout and no lot")
        let growth = run["liveGrowth"] as? [Int] ?? []
        #expect(growth.count >= 5 && (growth.first ?? 0) < (growth.last ?? 0), "the occupancy line grew snapshot by snapshot: \(growth)")

        let store = try Store(path: kiosk.database)
        let record = try #require(try store.runs(limit: 1).first)
        #expect(record.sampleID == "S-0401" && record.status == .completed && record.kind == .sequencing)
        let stored = try #require(try store.result(forRun: record.id))
        #expect(run["value"] as? String == "\(Int(stored.concentration?.value ?? -1)) reads", "\(run["value"] ?? "")")
        let outcome = try JSONDecoder().decode(SequencingOutcomeShape.self, from: Data(stored.analysisJSON.utf8))
        // the result and detail plots are the stored length histogram: two points per bin
        let bins = outcome.lengthHistogram?.count ?? 0
        #expect(bins > 0 && run["resultPoints"] as? Int == 2 * bins && run["detailPoints"] as? Int == 2 * bins,
                "\(bins) bins; drawn \(run["resultPoints"] ?? "none") and \(run["detailPoints"] ?? "none")")
        #expect((run["interpretation"] as? String)?.contains("read N50 \(outcome.readN50) b") == true, "\(run["interpretation"] ?? "")")
        let queue = run["queue"] as? [String: [String]] ?? [:]
        #expect(queue["S-0401"]?.count == (try store.outbox(forResult: stored.id)).count)
        try Self.checkScreens(page, count: 4)
    }

    /// What the test reads of a stored sequencing result's analysis.
    struct SequencingOutcomeShape: Decodable { let readN50: Int; let lengthHistogram: [[Int]]? }

    /// Runs `kiosk_families.py` for `runs`; its JSON.
    static func families(_ kiosk: KioskProcess, _ runs: [[String: String]], folder: String) async throws -> [String: Any] {
        let shots = screenshots.appendingPathComponent(folder)
        try? FileManager.default.removeItem(at: shots)
        let spec = String(decoding: try JSONSerialization.data(withJSONObject: runs), as: UTF8.self)
        let base = kiosk.baseURL, path = shots.path
        let output = try await offCooperativePool { try runReference("kiosk_families.py", [base, path, "op1", "1234", spec]) }
        print("kiosk screenshots in \(path)")
        return try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    }

    /// The screens fit the touchscreen and say they are training ones.
    static func checkScreens(_ page: [String: Any], count: Int) throws {
        let shots = page["screenshots"] as? [String] ?? []
        #expect(shots.count >= count, "\(shots)")
        for shot in shots { #expect(FileManager.default.fileExists(atPath: shot), "\(shot)") }
        #expect((page["trainingShown"] as? [Bool])?.allSatisfy { $0 } == true, "training mode is shown on every screen")
        #expect((page["viewport"] as? [Int]) == [1024, 600, 1024], "the page fits 1024x600 without scrolling sideways")
        let smallest = try #require(page["smallestTouchTargetPx"] as? Double)
        #expect(smallest >= 34, "9 mm is 34 CSS px at 96 px/in; the smallest target is \(smallest) px: \(page["touchTargets"] ?? "")")
        #expect((page["bodyFontPx"] as? Double ?? 0) >= 18)
    }
}
