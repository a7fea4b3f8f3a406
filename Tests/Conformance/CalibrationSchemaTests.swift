import Foundation
import Testing

/// Every assay and lot file in Calibration/ validates against its JSON Schema with the
/// `jsonschema` package, and a broken copy does not.
@Suite struct CalibrationSchemaTests {
    func validate(_ folder: URL) throws -> [String: [String]] {
        try JSONDecoder().decode([String: [String]].self, from: runReference("calibration_schema.py", [folder.path]))
    }

    @Test func shippedFilesValidate() throws {
        let report = try validate(Repo.root.appendingPathComponent("Calibration"))
        #expect(report.keys.contains("assays/crp.json"))
        #expect(report.keys.contains("lots/CRP26A07.json"))
        #expect(report.keys.contains("qc/QC-CRP-2609.json"))
        for (file, errors) in report { #expect(errors.isEmpty, "\(file): \(errors)") }
    }

    @Test func aBrokenLotIsCaughtByTheSchema() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cal-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Repo.root.appendingPathComponent("Calibration"), to: folder)
        let lot = folder.appendingPathComponent("lots/CRP26A07.json")
        let text = try String(contentsOf: lot, encoding: .utf8).replacingOccurrences(of: "\"c\": 40.0", with: "\"c\": -40.0")
        try text.write(to: lot, atomically: true, encoding: .utf8)
        #expect(try validate(folder)["lots/CRP26A07.json"]?.isEmpty == false)
    }
}
