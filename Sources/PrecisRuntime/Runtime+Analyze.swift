import Foundation
import PrecisCore
import PrecisReplay
import PrecisSignal

/// A strip profile analysed offline.
public struct ProfileAnalysisReport: Sendable, Codable, Equatable {
    /// The file analysed.
    public var file: String
    /// The assay.
    public var assay: String
    /// The lot whose curve was used.
    public var lot: LotSummary
    /// VALID or INVALID.
    public var status: String
    /// The concentration as reported (rounded), nil when invalid.
    public var concentration: Concentration?
    /// As printed.
    public var display: String?
    /// Flags.
    public var flags: [String]
    /// T/C.
    public var tcRatio: Double?
    /// The control line.
    public var control: PeakSummary?
    /// The test line.
    public var test: PeakSummary?
    /// Baseline noise.
    public var noise: Double
}

extension Runtime {
    /// Analyses a recorded line profile (CSV `position_um,reflectance`) with an assay's method and
    /// a lot's curve, exactly as a run would, without an instrument and without storing anything.
    public func analyzeProfile(_ file: URL, assay assayID: String, lot lotNumber: String) throws -> ProfileAnalysisReport {
        let assay = try catalog.assay(assayID)
        guard let method = assay.lateralFlow else { throw PrecisError(.input, "assay \(assayID) is not a lateral-flow assay") }
        let loaded = try catalog.lot(lotNumber, for: assay, today: Self.calendarDate(clock()))
        try files.admit(file, as: "the profile")
        let profile = try LineProfileFile.read(file)
        let analysis = LateralFlowAnalyzer(method: method).analyze(profile)
        let quantitation = Quantifier.quantify(ratio: analysis.ratio, lot: loaded.lot, assay: assay)
        return ProfileAnalysisReport(
            file: file.lastPathComponent, assay: assay.id,
            lot: LotSummary(lot: loaded.lot.lot, version: loaded.lot.version, expiry: loaded.lot.expiry.description,
                            sha256: loaded.sha256),
            status: analysis.invalidity == nil ? "VALID" : "INVALID",
            concentration: quantitation.concentration.map { Format.rounded($0, decimals: assay.decimals) },
            display: quantitation.concentration.map { Format.concentration($0, decimals: assay.decimals) },
            flags: quantitation.flags.map(\.rawValue), tcRatio: analysis.ratio,
            control: analysis.control.map(PeakSummary.init), test: analysis.test.map(PeakSummary.init), noise: analysis.noise)
    }
}
