import Foundation
import PrecisTestSupport
import Testing

extension KioskTests {
    /// Each of the four simulated families through the kiosk's API to the centre and the LIS:
    /// `POST /api/v1/runs` → `/api/v1/results` lists each run with its results and raw data →
    /// `/api/v1/queue?all=true` holds one entry per result and destination → the kiosk's own
    /// uploader delivers them, and the centre holds each result once.
    @Suite("Kiosk API: every family to the centre")
    struct KioskEveryFamilyTests {
        @Test func everyFamilyRunsThroughTheAPIToTheCentreOnce() async throws {
            let folder = try TestPaths.temporaryFolder("kiosk-families")
            defer { try? FileManager.default.removeItem(at: folder) }
            let destinations = try TestDestinations(folder: folder, site: "kiosk-bench")
            defer { destinations.stop() }
            let centre = destinations.centre, config = destinations.config
            let kiosk = try await KioskProcess.launch(arguments: ["--training"], environment: ["PRECIS_CONFIG": config.path])
            defer { kiosk.kill() }
            let http = KioskClient(base: kiosk.baseURL)
            let op = try await http.signIn("op1", "1234")
            let plates = TestPaths.root.appendingPathComponent("Calibration/plates")
            let layout = try String(contentsOf: plates.appendingPathComponent("hiv1-vl-plate.csv"), encoding: .utf8)
            let runs: [(body: [String: Any], kind: String, results: Int)] = [
                (["device": "sim:lfr?reading-ms=0", "assay": "crp", "sample": "S-0001"], "strip", 1),
                (["device": "sim:methodscript?lead=12", "assay": "lead", "sample": "S-0002", "lot": "PB26D01"], "voltammetry", 1),
                (["device": "sim:qpcr?cycle-ms=0&wells=\(plates.appendingPathComponent("hiv1-vl-sim-wells.csv").path)",
                  "assay": "hiv1-vl", "sample": "PLATE-K9", "lot": "HIV26B01", "layout": layout], "plate", 4),
                (["device": "sim:nps?channels=4&reads=3&length=3000&gap=400&fast", "assay": "nanopore-run", "sample": "S-0003",
                  "durationSeconds": 120], "sequencing", 1),
            ]
            for run in runs {
                let started = try await http.send(.POST, "/api/v1/runs", body: try KioskRunTests.body(run.body), token: op)
                #expect(started.status == 202, "\(run.kind): \(started.body)")
                let done = try await http.waitForRun(try #require(try started.json()["ticket"] as? String), token: op)
                #expect((done["report"] as? [String: Any])?["status"] as? String == "COMPLETED", "\(run.kind): \(done)")
            }

            let listed = try await http.send(.GET, "/api/v1/results?raw=true", token: op).array()
            #expect(listed.compactMap { $0["kind"] as? String } == ["sequencing", "plate", "voltammetry", "strip"])
            var resultIDs: [Int] = []
            for (run, expected) in zip(listed, runs.reversed()) {
                let ids = (run["results"] as? [[String: Any]])?.compactMap { $0["resultId"] as? Int }
                    ?? [run["resultId"] as? Int].compactMap { $0 }
                #expect(ids.count == expected.results, "\(expected.kind)")
                resultIDs += ids
                let raw = (run["rawData"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
                switch expected.kind {
                case "strip": #expect((run["rawProfile"] as? [String: Any])?["complete"] as? Bool == true)
                case "voltammetry": #expect(raw == ["voltammogram"])
                case "plate": #expect(raw == ["qpcr-rdml"])
                default:
                    #expect(raw == ["reads"])
                    #expect((run["sequencing"] as? [String: Any])?["reads"] as? Int == 12)
                }
            }
            #expect(Set(resultIDs).count == 7)

            let queue = try await http.send(.GET, "/api/v1/queue?all=true", token: op).array()
            let pairs = queue.compactMap { e -> String? in
                guard let id = e["resultId"] as? Int, let to = e["destination"] as? String else { return nil }
                return "\(id)→\(to)"
            }
            #expect(pairs.count == 14 && Set(pairs).count == 14, "one entry per result and destination: \(pairs)")
            #expect(Set(queue.compactMap { $0["resultId"] as? Int }) == Set(resultIDs))

            // The kiosk's uploader delivers them (every 5 s); the centre holds each result once.
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline, !(try await http.send(.GET, "/api/v1/queue", token: op).array()).isEmpty {
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(try await http.send(.GET, "/api/v1/queue", token: op).array().isEmpty)
            #expect(try centre.stats().observations == (7, 7))
            #expect(try centre.resourceCounts()["DocumentReference"] == 1)
            #expect(try destinations.messages().count == 7)
        }
    }
}
