import Foundation
import PrecisCore
import PrecisSignal

/// What a recalibration wrote.
public struct RecalibrationReport: Sendable, Codable, Equatable {
    /// The fit of the standards.
    public var fit: FitReport
    /// The lot and its new version.
    public var lot: String
    /// The version written.
    public var version: Int
    /// The version it replaces.
    public var previousVersion: Int
    /// The file written.
    public var file: String
    /// SHA-256 of the file written.
    public var sha256: String
}

extension Runtime {
    /// Fits a lot's curve from measured standards (a CSV of concentration and response) and
    /// writes the next version of the lot file beside the current one; no file is ever edited.
    /// The fit must converge and every standard's concentration must lie on the new curve's
    /// invertible range, or nothing is written.
    public func recalibrate(assay assayID: String, lot lotNumber: String, standards: URL, x: String, y: String,
                            model: FitKind = .fourPL, weights: String = "none",
                            operatorID: String) throws -> RecalibrationReport {
        _ = try Identifiers.validate(operatorID, as: "operator id")
        let assay = try catalog.assay(assayID)
        let current = try catalog.lot(lotNumber, for: assay, today: Self.calendarDate(clock()))
        try files.admit(standards, as: "--standards")
        let (report, fitted) = try Fitting.fit(model, file: standards, x: x, y: y, weights: weights)
        var next = current.lot
        next.version += 1
        next.source = "recalibration"
        next.model = fitted
        let file = catalog.directory.appendingPathComponent("lots/\(lotNumber).v\(next.version).json")
        guard !FileManager.default.fileExists(atPath: file.path) else {
            throw PrecisError(.calibration, "\(file.lastPathComponent) exists already: versions are never overwritten")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(next) + Data("\n".utf8)
        try data.write(to: file, options: .withoutOverwriting)
        let loaded: LoadedLot
        do { loaded = try catalog.lot(lotNumber, for: assay, today: Self.calendarDate(clock())) } catch {
            try? FileManager.default.removeItem(at: file)
            throw error.asPrecisError.context("the new curve was refused and not kept")
        }
        let id = try store.saveCalibration(loaded.lot, content: loaded.content, sha256: loaded.sha256, at: clock())
        logger.notice("lot \(lotNumber) recalibrated to version \(next.version) (calibration \(id)) by \(operatorID)")
        return RecalibrationReport(fit: report, lot: lotNumber, version: next.version, previousVersion: current.lot.version,
                                   file: file.path, sha256: loaded.sha256)
    }
}
