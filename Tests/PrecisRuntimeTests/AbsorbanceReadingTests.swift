import Foundation
import PrecisCore
import PrecisDrivers
import PrecisSignal
import Testing
@testable import PrecisRuntime

/// The electric-dark correction of an absorbance run (`Runtime.reading`): a detector offset
/// that drifts between the dark spectrum and the blank or the sample does not read as
/// absorbance on a model with electric-dark pixels, and a saturated pixel stays saturated.
@Suite struct AbsorbanceReadingTests {
    static let model = OBPModel.oceanST
    static let wavelengths = (0..<model.pixels).map { 340 + 680 * Double($0) / Double(model.pixels - 1) }

    /// A spectrum of `light` counts over an offset of `offset` (the masked pixels see the offset only).
    static func spectrum(offset: Double, light: (Int) -> Double) -> OBPSpectrum {
        let dark = Set(model.darkPixels)
        let counts = (0..<model.pixels).map { p in UInt32(min(Double(model.maxCount), (offset + (dark.contains(p) ? 0 : light(p))).rounded())) }
        return OBPSpectrum(counts: counts, maxCount: model.maxCount, integrationMicroseconds: 20_000, scansAveraged: 10,
                           darkPixels: model.darkPixels)
    }

    static func corrected(drift: Double) throws -> Double? {
        let lamp = { (p: Int) in 8000.0 }
        let sample = { (p: Int) in 8000.0 * pow(10, -(Self.wavelengths[p] < 700 ? 0.5 : 0.02)) }
        let taken: [AbsorbanceStep: OBPSpectrum] = [
            .dark: spectrum(offset: 500, light: { _ in 0 }),
            .blank: spectrum(offset: 500 + drift / 2, light: lamp),
            .sample: spectrum(offset: 500 + drift, light: sample),
        ]
        let reading = Runtime.reading(wavelengths, taken, model: model)
        let spectrum = try Absorbance.spectrum(wavelengthsNM: wavelengths, dark: reading.dark.counts, reference: reading.reference.counts,
                                               sample: reading.sample.counts, maxCount: Double(model.maxCount))
        return try Absorbance.corrected(spectrum, analytical: ValueRange(low: 567.5, high: 572.5),
                                        baseline: ValueRange(low: 877.5, high: 882.5)).corrected
    }

    @Test func anOffsetThatDriftsBetweenTheSpectraCancels() throws {
        let still = try #require(try Self.corrected(drift: 0))
        #expect(abs(still - 0.48) < 0.002, "\(still)")
        let drifted = try #require(try Self.corrected(drift: 300))
        #expect(abs(drifted - still) < 1e-3, "a 300-count drift: \(drifted) against \(still)")
        // (Uncorrected, the same drift moves A_corr by about 0.03 AU: half a g/dL of haemoglobin.)
    }

    @Test func aSaturatedPixelStaysAtTheMaximum() {
        var s = Self.spectrum(offset: 900, light: { _ in 0 })
        s.counts[10] = Self.model.maxCount
        let moved = s.counts(electricDarkAt: 500)
        #expect(moved[10] == Double(Self.model.maxCount))
        #expect(moved[11] == 500, "the offset moved to the dark's: \(moved[11])")
        let noMask = OBPSpectrum(counts: [7, 8], maxCount: 100, integrationMicroseconds: 1, scansAveraged: 1)
        #expect(noMask.counts(electricDarkAt: 3) == [7, 8], "no masked pixels: nothing to correct")
    }
}
