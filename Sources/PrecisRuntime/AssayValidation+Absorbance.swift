import PrecisCore
import PrecisSignal

/// The rules of an absorbance assay (`baseline-corrected-absorbance`) and its lots.
extension AssayValidation {
    /// An absorbance assay: on a spectrometer, two wavelengths the detector reads, bands that
    /// do not overlap, settings the detector takes and a linear limit a spectrometer can reach.
    static func checkAbsorbance(_ assay: AssayDefinition, fail: (String) -> PrecisError) throws {
        guard assay.family == "obp" else { throw fail("algorithm \(assay.algorithm) runs on the obp family, not \(assay.family)") }
        guard let a = assay.absorbance else { throw fail("an absorbance assay needs 'absorbance'") }
        let span = Limits.wavelengthNM
        for (name, nm) in [("analyticalNM", a.analyticalNM), ("baselineNM", a.baselineNM)] where !span.contains(nm) {
            throw fail("absorbance.\(name) must be a wavelength from \(span.low) to \(span.high) nm, not \(nm)")
        }
        guard (0...Limits.maxBandHalfWidthNM).contains(a.bandHalfWidthNM) else {
            throw fail("absorbance.bandHalfWidthNM must be 0 to \(Limits.maxBandHalfWidthNM) nm")
        }
        guard abs(a.baselineNM - a.analyticalNM) > 2 * a.bandHalfWidthNM else {
            throw fail("absorbance.baselineNM's band (\(a.baselineBand.low)–\(a.baselineBand.high) nm) overlaps the analytical band "
                       + "(\(a.analyticalBand.low)–\(a.analyticalBand.high) nm): the baseline must be read apart from the analyte")
        }
        guard (1...Limits.maxIntegrationUS).contains(a.integrationUS) else {
            throw fail("absorbance.integrationUS must be 1 to \(Limits.maxIntegrationUS) µs")
        }
        guard (1...Limits.maxScans).contains(a.scansToAverage) else { throw fail("absorbance.scansToAverage must be 1 to \(Limits.maxScans)") }
        guard (0...Limits.maxBoxcarHalfWidth).contains(a.boxcarHalfWidth) else {
            throw fail("absorbance.boxcarHalfWidth must be 0 to \(Limits.maxBoxcarHalfWidth) pixels")
        }
        guard a.linearLimit > 0, a.linearLimit <= Limits.maxLinearLimit else {
            throw fail("absorbance.linearLimit must be above 0 and at most \(Limits.maxLinearLimit) AU")
        }
        guard a.minReferenceFraction >= 0, a.minReferenceFraction < 1 else {
            throw fail("absorbance.minReferenceFraction is a fraction of the detector's maximum count, from 0 up to 1")
        }
    }

    /// What an absorbance method may ask of a spectrometer.
    enum Limits {
        /// What a UV–visible–NIR spectrometer's silicon detector reads, nm.
        static let wavelengthNM = ValueRange(low: 180, high: 1100)
        static let maxBandHalfWidthNM = 25.0
        /// 65 s, µs.
        static let maxIntegrationUS = 65_000_000
        static let maxScans = 1000
        static let maxBoxcarHalfWidth = 50
        /// Beyond 4 AU (0.01 % of the light) stray light leaves no linear range.
        static let maxLinearLimit = 4.0
    }

    /// An absorbance lot: its line rises with concentration and stays inside the assay's linear
    /// limit up to the measuring range's top, so every reportable value can be read.
    static func checkAbsorbance(_ lot: CalibrationLot, for assay: AssayDefinition, fail: (String) -> PrecisError) throws {
        guard let method = assay.absorbance else { return }
        let low = lot.model.response(at: lot.measuringRange.low), high = lot.model.response(at: lot.measuringRange.high)
        guard high > low else { throw fail("an absorbance lot's curve must rise with concentration") }
        guard high <= method.linearLimit else {
            throw fail("the curve reaches \(high) AU at the measuring range's top (\(lot.measuringRange.high) \(assay.unit.ucum)), "
                       + "above the assay's linear limit of \(method.linearLimit) AU")
        }
    }
}
