import Foundation
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

        let results = try await http.send(.GET, "/api/v1/results", token: op).array()
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
