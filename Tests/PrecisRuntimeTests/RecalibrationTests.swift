import Foundation
import PrecisCore
import PrecisRuntime
import PrecisSignal
import Testing

@Suite struct RecalibrationTests {
    func standards(_ model: CalibrationModel, in folder: URL) throws -> URL {
        var text = "conc,ratio\n"
        for (i, x) in [0.5, 1.5, 5, 15, 40, 100, 250, 600].enumerated() {
            for r in 0..<3 { text += "\(x),\(model.response(at: x) * (1 + 0.01 * Double((i + r) % 3 - 1)))\n" }
        }
        let url = folder.appendingPathComponent("standards.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func aRecalibrationWritesTheNextVersionAndRunsUseIt() async throws {
        let calibration = try calibrationCopy { _ in }
        let runtime = try makeRuntime(calibration: calibration)
        let shifted = CalibrationModel.fourPL(a: 0.03, b: 1.25, c: 45, d: 2.4)
        let report = try runtime.recalibrate(assay: "crp", lot: "CRP26A07", standards: try standards(shifted, in: calibration),
                                             x: "conc", y: "ratio", weights: "1/y2", operatorID: "tech1")
        #expect(report.version == 2 && report.previousVersion == 1)
        #expect(FileManager.default.fileExists(atPath: calibration.appendingPathComponent("lots/CRP26A07.v2.json").path))
        let original = try String(contentsOf: calibration.appendingPathComponent("lots/CRP26A07.json"), encoding: .utf8)
        #expect(original.contains("\"version\":1"))   // never edited
        let loaded = try runtime.catalog.lot("CRP26A07", for: try runtime.catalog.assay("crp"), today: CalendarDate(iso: "2026-11-22")!)
        #expect(loaded.lot.version == 2)
        #expect(loaded.lot.source == "recalibration")
        guard case let .fourPL(_, _, c, _) = loaded.lot.model else { Issue.record("not 4PL"); return }
        #expect(abs(c - 45) < 1)
        let run = try await runtime.run(RunRequest(device: fastSim, assay: "crp", sample: "S-1"))
        #expect(run.lot?.version == 2)
        #expect(try runtime.store.auditEntries(entity: "calibration").contains { $0.detail.contains("\"version\":\"2\"") })
    }

    @Test func aFitThatFailsWritesNothing() throws {
        let calibration = try calibrationCopy { _ in }
        let runtime = try makeRuntime(calibration: calibration)
        let flat = calibration.appendingPathComponent("flat.csv")
        try "conc,ratio\n1,0.5\n2,0.5\n5,0.5\n10,0.5\n50,0.5\n100,0.5\n".write(to: flat, atomically: true, encoding: .utf8)
        #expect { try runtime.recalibrate(assay: "crp", lot: "CRP26A07", standards: flat, x: "conc", y: "ratio", operatorID: "t") }
            throws: { ($0 as? PrecisError)?.kind == .calibration }
        #expect(!FileManager.default.fileExists(atPath: calibration.appendingPathComponent("lots/CRP26A07.v2.json").path))
    }
}
