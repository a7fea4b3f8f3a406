import Foundation
import PrecisCore
import PrecisRuntime
import Testing

/// The hb assay, its lot and its control load from `Calibration/`; a broken absorbance method or
/// lot is refused naming the file and the field.
@Suite struct AbsorbanceCalibrationTests {
    static let today = CalendarDate(year: 2026, month: 12, day: 3)!

    @Test func theShippedHaemoglobinFilesLoad() throws {
        let catalog = CalibrationCatalog(directory: repoRoot.appendingPathComponent("Calibration"))
        let assay = try catalog.assay("hb")
        #expect(assay.family == "obp" && assay.loinc.code == "718-7" && assay.unit.ucum == "g/dL")
        let method = try #require(assay.absorbance)
        #expect(method.analyticalNM == 570 && method.baselineNM == 880 && method.linearLimit == 2.0)
        let lot = try catalog.lot("HB26E01", for: assay, today: Self.today)
        #expect(lot.lot.response == "corrected-absorbance" && lot.lot.measuringRange.high == 25.6)
        #expect(catalog.lots(for: assay, today: Self.today) == ["HB26E01"])
        let qc = try catalog.qcMaterial("QC-HB-2612", for: assay, today: Self.today)
        #expect(qc.levels.map(\.level) == [1, 2, 3] && qc.unit == "g/dL")
        #expect(catalog.assayIDs().contains("hb"))
    }

    @Test("a broken absorbance method is refused with the field", arguments: [
        ("remove", "analyticalNM", "missing field 'absorbance.analyticalNM'"),
        ("remove", "baselineNM", "missing field 'absorbance.baselineNM'"),
        ("set", "baselineNM=572", "overlaps the analytical band (567.5–572.5 nm)"),
        ("set", "baselineNM=575", "overlaps the analytical band"),
        ("set", "analyticalNM=1500", "absorbance.analyticalNM must be a wavelength from 180.0 to 1100.0 nm"),
        ("set", "bandHalfWidthNM=-1", "absorbance.bandHalfWidthNM must be 0 to 25.0 nm"),
        ("set", "integrationUS=0", "absorbance.integrationUS must be 1 to"),
        ("set", "scansToAverage=0", "absorbance.scansToAverage must be 1 to 1000"),
        ("set", "boxcarHalfWidth=51", "absorbance.boxcarHalfWidth must be 0 to 50 pixels"),
        ("set", "linearLimit=0", "absorbance.linearLimit must be above 0"),
        ("set", "minReferenceFraction=1", "absorbance.minReferenceFraction is a fraction"),
    ])
    func brokenMethod(action: String, field: String, message: String) throws {
        let folder = try editedCopy("assays/hb.json") { assay in
            var method = assay["absorbance"] as! [String: Any]
            if action == "remove" {
                method[field] = nil
            } else {
                let parts = field.split(separator: "=")
                method[String(parts[0])] = Double(parts[1])!
            }
            assay["absorbance"] = method
        }
        let error = #expect(throws: PrecisError.self) { try CalibrationCatalog(directory: folder).assay("hb") }
        #expect(error?.kind == .calibration)
        #expect(error?.message.contains("Calibration/assays/hb.json") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func anAbsorbanceAssayNeedsItsMethodAndItsFamily() throws {
        for (edit, message) in [({ (a: inout [String: Any]) in a["absorbance"] = nil }, "an absorbance assay needs 'absorbance'"),
                                ({ (a: inout [String: Any]) in a["family"] = "lfr" }, "runs on the obp family, not lfr")] {
            let folder = try editedCopy("assays/hb.json", edit)
            let error = #expect(throws: PrecisError.self) { try CalibrationCatalog(directory: folder).assay("hb") }
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        }
    }

    @Test("a lot the assay cannot read is refused", arguments: [
        // 25.6 g/dL at 0.09 AU per g/dL is 2.3 AU, over the 2.0 AU linear limit.
        (#"{"model": {"type": "linear", "slope": 0.09, "intercept": 0}}"#, "above the assay's linear limit of 2.0 AU"),
        (#"{"model": {"type": "linear", "slope": -0.06, "intercept": 2}}"#, "must rise with concentration"),
        (#"{"response": "peak-current-nA"}"#, "reads 'corrected-absorbance'"),
    ])
    func brokenLot(change: String, message: String) throws {
        let fields = try JSONSerialization.jsonObject(with: Data(change.utf8)) as! [String: Any]
        let folder = try editedCopy("lots/HB26E01.json") { lot in lot.merge(fields) { $1 } }
        let catalog = CalibrationCatalog(directory: folder)
        let error = #expect(throws: PrecisError.self) { try catalog.lot("HB26E01", for: try catalog.assay("hb"), today: Self.today) }
        #expect(error?.message.contains("Calibration/lots/HB26E01.json") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    /// A copy of the repository's Calibration folder with `file`'s JSON changed by `edit`.
    private func editedCopy(_ file: String, _ edit: (inout [String: Any]) -> Void) throws -> URL {
        let folder = try temporaryFolder().appendingPathComponent("Calibration")
        try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("Calibration"), to: folder)
        let url = folder.appendingPathComponent(file)
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&json)
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: url)
        return folder
    }
}
