import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

extension KioskTests.KioskRunTests {
    static func body(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test("POST /api/v1/runs runs a qPCR plate (layout as CSV) and a lead assay to stored, queued results")
    func aPlateAndAVoltammetricRunThroughTheAPI() async throws {
        let kiosk = try SharedKiosk.kiosk()
        let http = KioskClient(base: kiosk.baseURL)
        let op = try await http.signIn("op1", "1234")
        let plates = TestPaths.root.appendingPathComponent("Calibration/plates")
        let layout = try String(contentsOf: plates.appendingPathComponent("hiv1-vl-plate.csv"), encoding: .utf8)
        let wells = plates.appendingPathComponent("hiv1-vl-sim-wells.csv").path
        let started = try await http.send(.POST, "/api/v1/runs", body: try Self.body([
            "device": "sim:qpcr?cycle-ms=0&wells=\(wells)", "assay": "hiv1-vl", "sample": "PLATE-K1", "lot": "HIV26B01", "layout": layout,
        ]), token: op)
        #expect(started.status == 202, "\(started.body)")
        let plate = try await http.waitForRun(try #require(try started.json()["ticket"] as? String), token: op)
        let report = try #require(plate["report"] as? [String: Any], "\(plate)")
        #expect(report["status"] as? String == "COMPLETED")
        #expect(report["kind"] as? String == "plate")
        #expect((report["results"] as? [[String: Any]])?.compactMap { $0["sample"] as? String } == ["S-1001", "S-1002", "S-1003", "S-1004"])
        #expect((plate["received"] as? Int ?? 0) > 0, "the plate's progress was followed")

        let lead = try await http.send(.POST, "/api/v1/runs", body: try Self.body([
            "device": "sim:methodscript?lead=12", "assay": "lead", "sample": "S-0201", "lot": "PB26D01",
        ]), token: op)
        #expect(lead.status == 202, "\(lead.body)")
        let swept = try await http.waitForRun(try #require(try lead.json()["ticket"] as? String), token: op)
        #expect((swept["report"] as? [String: Any])?["display"] as? String == "12.0 µg/dL")

        let results = try await http.send(.GET, "/api/v1/results?raw=true", token: op).array()
        let listedPlate = try #require(results.first { $0["sample"] as? String == "PLATE-K1" })
        #expect(listedPlate["kind"] as? String == "plate")
        #expect((listedPlate["results"] as? [Any])?.count == 4)
        #expect((listedPlate["rawData"] as? [[String: Any]])?.first?["kind"] as? String == "qpcr-rdml")
        #expect(results.contains { $0["sample"] as? String == "S-0201" && $0["kind"] as? String == "voltammetry" })
        let queue = try await http.send(.GET, "/api/v1/queue", token: op).array()
        for sample in ["S-1001", "S-1002", "S-1003", "S-1004", "S-0201"] {
            #expect(queue.contains { $0["sample"] as? String == sample && $0["state"] as? String == "pending" }, "\(sample)")
        }

        let noLayout = try await http.send(.POST, "/api/v1/runs", body: try Self.body([
            "device": "sim:qpcr?cycle-ms=0", "assay": "hiv1-vl", "sample": "PLATE-K2", "lot": "HIV26B01",
        ]), token: op)
        #expect(noLayout.status == 400, "\(noLayout.body)")
        #expect(noLayout.body.contains("layout"))
    }
}

extension KioskTests.KioskRunTests {
    @Test("a plate's cycles and a sweep's points arrive live as plate-cycle and voltammogram events; their details carry the curves")
    func livePlateAndSweepEvents() async throws {
        let kiosk = try SharedKiosk.kiosk()
        let http = KioskClient(base: kiosk.baseURL)
        let op = try await http.signIn("op1", "1234")
        let assays = try await http.send(.GET, "/api/v1/assays", token: op).array()
        let hiv = try #require(assays.first { $0["id"] as? String == "hiv1-vl" })
        #expect(hiv["needsLayout"] as? Bool == true && hiv["needsLot"] as? Bool == true)
        #expect((hiv["lots"] as? [String])?.contains("HIV26B01") == true, "\(hiv)")
        let crp = try #require(assays.first { $0["id"] as? String == "crp" })
        #expect(crp["needsLayout"] as? Bool == false && crp["needsLot"] as? Bool == false && crp["unitDisplay"] as? String == "mg/L")
        #expect(assays.first { $0["id"] as? String == "lead" }?["needsLot"] as? Bool == true)
        let hb = try #require(assays.first { $0["id"] as? String == "hb" }, "\(assays.compactMap { $0["id"] })")
        #expect(hb["needsLot"] as? Bool == true && (hb["lots"] as? [String])?.contains("HB26E01") == true, "\(hb)")

        let events = EventTap(base: kiosk.baseURL, token: op)
        defer { events.stop() }
        try await events.waitFor(seconds: 10) { $0.contains("event: snapshot") }

        let plates = TestPaths.root.appendingPathComponent("Calibration/plates")
        let layout = try String(contentsOf: plates.appendingPathComponent("hiv1-vl-plate.csv"), encoding: .utf8)
        let wells = plates.appendingPathComponent("hiv1-vl-sim-wells.csv").path
        let started = try await http.send(.POST, "/api/v1/runs", body: try Self.body([
            "device": "sim:qpcr?cycle-ms=0&wells=\(wells)", "assay": "hiv1-vl", "sample": "PLATE-K3", "lot": "HIV26B01", "layout": layout,
        ]), token: op)
        #expect(started.status == 202, "\(started.body)")
        let plate = try await http.waitForRun(try #require(try started.json()["ticket"] as? String), token: op)
        let plateRunID = try #require((plate["report"] as? [String: Any])?["runId"] as? Int)
        #expect((plate["plateCycles"] as? [Any])?.count == 45, "the run keeps its cycles for a page that joins late")

        let lead = try await http.send(.POST, "/api/v1/runs", body: try Self.body([
            "device": "sim:methodscript?lead=12", "assay": "lead", "sample": "S-0202", "lot": "PB26D01",
        ]), token: op)
        let swept = try await http.waitForRun(try #require(try lead.json()["ticket"] as? String), token: op)
        let leadRunID = try #require((swept["report"] as? [String: Any])?["runId"] as? Int)
        try await events.waitFor(seconds: 10) { $0.components(separatedBy: "event: result\n").count >= 3 }

        let cycles = events.payloads("plate-cycle")
        #expect(cycles.count == 45, "one plate-cycle event per cycle of the target dye: \(cycles.count)")
        #expect(cycles.compactMap { $0["cycle"] as? Int } == Array(1...45))
        let first = try #require(cycles.first)
        #expect(first["dye"] as? String == "FAM" && first["cycles"] as? Int == 45 && first["runId"] as? Int == plateRunID)
        #expect((first["wells"] as? [String])?.count == 22 && (first["wells"] as? [String])?.first == "A1")
        #expect((first["types"] as? [String])?.first == "std")
        #expect((first["fluorescence"] as? [Double])?.count == 22)
        // A1 starts with 1e6 copies: its fluorescence has risen by the last cycle
        let a1First = try #require((first["fluorescence"] as? [Double])?.first)
        let a1Last = try #require((cycles.last?["fluorescence"] as? [Double])?.first)
        #expect(a1Last > a1First * 2, "A1 amplifies: \(a1First) → \(a1Last)")

        let sweeps = events.payloads("voltammogram")
        #expect(sweeps.count >= 2, "the sweep arrives in batches: \(sweeps.count)")
        #expect(sweeps.allSatisfy { $0["runId"] as? Int == leadRunID })
        let points = sweeps.flatMap { $0["potentials"] as? [Double] ?? [] }
        #expect(points.count == 201, "every point of the sweep, once: \(points.count)")
        var next = 0, contiguous = true
        for batch in sweeps {
            if batch["first"] as? Int != next { contiguous = false }
            next += (batch["potentials"] as? [Any])?.count ?? 0
        }
        #expect(contiguous, "each batch starts where the one before ended")
        #expect(abs((points.first ?? 0) - -1.2) < 1e-6 && abs((points.last ?? 0) - -0.2) < 1e-6)

        let plateDetail = try await http.send(.GET, "/api/v1/results/\(plateRunID)", token: op).json()
        let curves = try #require(plateDetail["amplification"] as? [[String: Any]])
        #expect(plateDetail["targetDye"] as? String == "FAM")
        #expect(curves.filter { $0["dye"] as? String == "FAM" }.count == 22, "a curve per well of the target")
        #expect(curves.allSatisfy { ($0["corrected"] as? [Any])?.count == 45 })
        #expect(curves.first { $0["well"] as? String == "A1" && $0["dye"] as? String == "FAM" }?["cq"] as? Double != nil)
        let leadDetail = try await http.send(.GET, "/api/v1/results/\(leadRunID)", token: op).json()
        #expect((leadDetail["voltammogram"] as? [[Double]])?.count == 201)
        #expect(leadDetail["amplification"] as? [Any] == nil || (leadDetail["amplification"] as? [Any])?.isEmpty == true)
    }
}

extension KioskTests.KioskRunTests {
    /// An absorbance run from the page: the operator's steps as the run's phase, each spectrum
    /// live as a `spectrum` event, and the stored run's absorbance over wavelength for its plot.
    @Test("an absorbance run shows its steps and spectra live; its detail carries the absorbance and the assay's wavelengths")
    func liveAbsorbanceRun() async throws {
        let kiosk = try SharedKiosk.kiosk()
        let http = KioskClient(base: kiosk.baseURL)
        let op = try await http.signIn("op1", "1234")
        let events = EventTap(base: kiosk.baseURL, token: op)
        defer { events.stop() }
        try await events.waitFor(seconds: 10) { $0.contains("event: snapshot") }
        let started = try await http.send(.POST, "/api/v1/runs", body: try Self.body([
            "device": "sim:obp?hb=9.5", "assay": "hb", "sample": "S-0303", "lot": "HB26E01",
        ]), token: op)
        #expect(started.status == 202, "\(started.body)")
        let ticket = try #require(try started.json()["ticket"] as? String)
        let done = try await http.waitForRun(ticket, token: op)
        let report = try #require(done["report"] as? [String: Any])
        #expect(report["status"] as? String == "COMPLETED" && report["display"] as? String == "9.5 g/dL", "\(report)")
        let runID = try #require(report["runId"] as? Int)
        try await events.waitFor(seconds: 10) { $0.contains("\"runId\":\(runID)") && $0.contains("event: result\n") }

        let steps = events.payloads("run").filter { $0["ticket"] as? String == ticket && $0["phase"] as? String == "operator-step" }
        #expect(steps.compactMap { ($0["step"] as? [String: Any])?["id"] as? String } == ["dark", "blank", "sample"])
        let spectra = events.payloads("spectrum").filter { $0["ticket"] as? String == ticket }
        #expect(spectra.compactMap { ($0["spectrum"] as? [String: Any])?["role"] as? String } == ["dark", "reference", "sample"])
        #expect(spectra.allSatisfy { (($0["spectrum"] as? [String: Any])?["counts"] as? [Any])?.count == 1516 }, "Ocean ST: 1516 pixels")

        let detail = try await http.send(.GET, "/api/v1/results/\(runID)", token: op).json()
        let absorbance = try #require(detail["absorbance"] as? [String: Any])
        #expect((absorbance["wavelengthsNM"] as? [Double])?.count == 1516)
        #expect(absorbance["analyticalNM"] as? Double == 570 && absorbance["baselineNM"] as? Double == 880)
        let values = try #require(absorbance["absorbance"] as? [Any])
        let wavelengths = try #require(absorbance["wavelengthsNM"] as? [Double])
        let at570 = try #require(wavelengths.firstIndex { $0 >= 570 })
        #expect((values[at570] as? Double).map { $0 > 0.3 } == true, "the Q band absorbs at 570 nm: \(values[at570])")
        let analysis = try #require(absorbance["analysis"] as? [String: Any])
        #expect(abs((analysis["corrected"] as? Double ?? 0) - (0.06 * 9.5 + 0.004)) < 0.01, "\(analysis)")
    }
}

extension KioskTests.KioskRunTests {
    /// On a spectrometer whose steps are the operator's (a real one; the simulator with
    /// `operator=confirm`), the run waits in phase `operator-step` until the page confirms each.
    @Test("an absorbance run waits for each step until the operator confirms it on the page")
    func theOperatorConfirmsEachStep() async throws {
        let kiosk = try SharedKiosk.kiosk()
        let http = KioskClient(base: kiosk.baseURL)
        let op = try await http.signIn("op1", "1234")
        let started = try await http.send(.POST, "/api/v1/runs", body: try Self.body([
            "device": "sim:obp?hb=16.1&operator=confirm", "assay": "hb", "sample": "S-0304", "lot": "HB26E01",
        ]), token: op)
        #expect(started.status == 202, "\(started.body)")
        let ticket = try #require(try started.json()["ticket"] as? String)
        let unknown = try await http.send(.POST, "/api/v1/runs/no-such-ticket/step", body: try Self.body([:]), token: op)
        #expect(unknown.status == 404, "\(unknown.body)")
        for id in ["dark", "blank", "sample"] {
            let waiting = try await Self.waitForStep(http, ticket: ticket, token: op)
            #expect(waiting == id)
            let wrong = try await http.send(.POST, "/api/v1/runs/\(ticket)/step", body: try Self.body(["step": id == "dark" ? "sample" : "dark"]), token: op)
            #expect(wrong.status == 409, "\(wrong.body)")
            let done = try await http.send(.POST, "/api/v1/runs/\(ticket)/step", body: try Self.body(["step": id]), token: op)
            #expect(done.status == 200, "\(done.body)")
        }
        let finished = try await http.waitForRun(ticket, token: op)
        let report = try #require(finished["report"] as? [String: Any])
        #expect(report["status"] as? String == "COMPLETED" && report["display"] as? String == "16.1 g/dL", "\(report)")
        let late = try await http.send(.POST, "/api/v1/runs/\(ticket)/step", body: try Self.body([:]), token: op)
        #expect(late.status == 409, "a finished run waits for no step: \(late.body)")
    }

    /// The step the run `ticket` waits for, once it waits (within 20 s).
    static func waitForStep(_ http: KioskClient, ticket: String, token: String) async throws -> String? {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let runs = try await http.send(.GET, "/api/v1/runs", token: token).array()
            if let run = runs.first(where: { $0["ticket"] as? String == ticket }), run["phase"] as? String == "operator-step" {
                return (run["step"] as? [String: Any])?["id"] as? String
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}

/// The kiosk's event stream read in the background: the text so far, and its events by name.
final class EventTap: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    private var task: Task<Void, Never>?

    init(base: String, token: String) {
        task = Task {
            var request = HTTPClientRequest(url: base + "/api/v1/events")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(120)) else { return }
            do {
                for try await chunk in response.body {
                    let piece = String(buffer: chunk)
                    self.lock.withLock { self.text += piece }
                }
            } catch {}
        }
    }

    /// Waits until the text so far satisfies `condition`; throws after `seconds`.
    func waitFor(seconds: Double, _ condition: (String) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(lock.withLock { text }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw KioskProcessError(message: "the event stream did not show what was awaited in \(seconds) s")
    }

    /// The JSON payloads of every event named `name`, in order.
    func payloads(_ name: String) -> [[String: Any]] {
        let all = lock.withLock { text }
        return all.components(separatedBy: "\n\n").compactMap { block -> [String: Any]? in
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.contains(where: { $0 == "event: \(name)" }),
                  let data = lines.first(where: { $0.hasPrefix("data: ") }) else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(data.dropFirst(6).utf8)) as? [String: Any]
        }
    }

    func stop() { task?.cancel() }
}
