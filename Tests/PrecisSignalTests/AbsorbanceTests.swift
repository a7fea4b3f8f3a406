@testable import PrecisCore
import PrecisReplay
import RealModule
import Testing
@testable import PrecisSignal

/// Every formula of `Absorbance` on examples worked out by hand, and every flag of
/// `AbsorbanceQuantifier`.
@Suite struct AbsorbanceTests {
    // MARK: A = −log10((S − D) / (R − D))

    @Test func absorbanceOfOnePixel() throws {
        // D = 100, R − D = 10 000: S − D = 1000 is T = 0.1, A = 1; 100 is A = 2; 10 000 is A = 0.
        let spectrum = try Absorbance.spectrum(wavelengthsNM: [500, 501, 502, 503], dark: [100, 100, 100, 100],
                                               reference: [10_100, 10_100, 10_100, 10_100],
                                               sample: [1_100, 200, 10_100, 20_100], maxCount: 65_535)
        #expect(spectrum.status == [.valid, .valid, .valid, .valid])
        let a = spectrum.absorbance.map { $0! }
        #expect(abs(a[0] - 1) < 1e-15 && abs(a[1] - 2) < 1e-15 && a[2] == 0)
        // More light through the sample than the blank: a negative absorbance, −log10(2).
        #expect(abs(a[3] + 0.301_029_995_663_981_2) < 1e-15)
    }

    @Test func saturatedPixelsAreFlaggedNeverUsed() throws {
        // At or above the maximum in the sample, the reference or the dark.
        let spectrum = try Absorbance.spectrum(wavelengthsNM: [1, 2, 3, 4, 5], dark: [0, 0, 0, 4095, 0],
                                               reference: [4000, 4095, 4000, 4000, 4000],
                                               sample: [4095, 2000, 5000, 2000, 2000], maxCount: 4095)
        #expect(spectrum.status == [.saturated, .saturated, .saturated, .saturated, .valid])
        #expect(spectrum.absorbance[0..<4].allSatisfy { $0 == nil })
        #expect(spectrum.absorbance[4] != nil)
    }

    @Test func nonPositiveDenominatorsAndOpaqueSamples() throws {
        // R = D and R < D: no reference; S = D and S < D with a good reference: opaque.
        let spectrum = try Absorbance.spectrum(wavelengthsNM: [1, 2, 3, 4], dark: [500, 500, 500, 500],
                                               reference: [500, 400, 9000, 9000], sample: [700, 700, 500, 300],
                                               maxCount: 65_535)
        #expect(spectrum.status == [.noReference, .noReference, .opaque, .opaque])
        #expect(spectrum.absorbance.allSatisfy { $0 == nil })
    }

    @Test func aMinimumReferenceRefusesADimBlank() throws {
        let args = (x: [1.0, 2.0], d: [100.0, 100.0], r: [600.0, 600.0], s: [350.0, 350.0])
        let dim = try Absorbance.spectrum(wavelengthsNM: args.x, dark: args.d, reference: args.r, sample: args.s,
                                          maxCount: 65_535, minimumReference: 500)
        #expect(dim.status == [.noReference, .noReference])  // R − D = 500 is not above 500
        let enough = try Absorbance.spectrum(wavelengthsNM: args.x, dark: args.d, reference: args.r, sample: args.s,
                                             maxCount: 65_535, minimumReference: 499)
        #expect(enough.status == [.valid, .valid])
        #expect(abs(enough.absorbance[0]! - Double.log10(2)) < 1e-15)  // T = 250 / 500
    }

    @Test func noCountsEverGiveANaNOrAnInfinity() throws {
        var generator = SplitMix64(seed: 7)
        let n = 400
        let pick = { (g: inout SplitMix64) -> Double in
            [0, -1, 1e-300, 4095, 5000, 1, 2048][Int(g.next() % 7)] * (g.next() % 2 == 0 ? 1 : g.nextUnit())
        }
        let x = (0..<n).map { 400 + Double($0) }
        let d = (0..<n).map { _ in pick(&generator) }, r = (0..<n).map { _ in pick(&generator) }
        let s = (0..<n).map { _ in pick(&generator) }
        for k in [0, 1, 3] {
            let spectrum = try Absorbance.spectrum(wavelengthsNM: x, dark: d, reference: r, sample: s, maxCount: 4095, boxcarHalfWidth: k)
            for (value, status) in zip(spectrum.absorbance, spectrum.status) {
                #expect((value != nil) == (status == .valid))
                if let value { #expect(value.isFinite) }
            }
        }
    }

    @Test func badInputIsRefused() {
        let ok = [1.0, 2.0, 3.0]
        let cases: [(x: [Double], d: [Double], max: Double, k: Int)] = [
            ([1, 2], ok, 10, 0),            // lengths differ
            ([1], [1], 10, 0),              // one pixel
            ([1, 3, 2], ok, 10, 0),         // not increasing
            ([1, 2, 2], ok, 10, 0),         // repeated wavelength
            ([1, .nan, 3], ok, 10, 0),
            (ok, [1, .infinity, 1], 10, 0), // a count not finite
            (ok, ok, 0, 0),                 // no maximum
            (ok, ok, 10, -1),               // negative half-width
        ]
        for c in cases {
            #expect(throws: PrecisError.self) {
                try Absorbance.spectrum(wavelengthsNM: c.x, dark: c.d, reference: ok.map { $0 + 5 }, sample: ok.map { $0 + 2 },
                                        maxCount: c.max, boxcarHalfWidth: c.k)
            }
        }
    }

    // MARK: boxcar smoothing

    @Test func boxcarAveragesTheWindowAndShrinksAtTheEnds() {
        let x = [1.0, 2, 3, 4, 10]
        #expect(Absorbance.boxcar(x, halfWidth: 0) == x)
        // (1+2)/2, (1+2+3)/3, (2+3+4)/3, (3+4+10)/3, (4+10)/2
        #expect(Absorbance.boxcar(x, halfWidth: 1) == [1.5, 2, 3, 17.0 / 3, 7])
        // (1+2+3)/3, (1+2+3+4)/4, all five, (2+3+4+10)/4, (3+4+10)/3
        #expect(Absorbance.boxcar(x, halfWidth: 2) == [2, 2.5, 4, 4.75, 17.0 / 3])
        #expect(Absorbance.boxcar(x, halfWidth: 9) == [4, 4, 4, 4, 4])
        #expect(Absorbance.boxcar([], halfWidth: 2) == [])
    }

    @Test func smoothingAppliesToTheCountsAndSpreadsSaturation() throws {
        // D = 0, R = 1000; S = 100, 1000, 100 → smoothed over ±1: 550, 400, 550.
        let smoothed = try Absorbance.spectrum(wavelengthsNM: [1, 2, 3], dark: [0, 0, 0], reference: [1000, 1000, 1000],
                                               sample: [100, 1000, 100], maxCount: 65_535, boxcarHalfWidth: 1)
        let expected = [-Double.log10(0.55), -Double.log10(0.4), -Double.log10(0.55)]
        for (got, want) in zip(smoothed.absorbance, expected) { #expect(abs(got! - want) < 1e-15) }
        // One saturated pixel spoils every pixel whose window holds it.
        let spoiled = try Absorbance.spectrum(wavelengthsNM: [1, 2, 3, 4, 5, 6, 7], dark: Array(repeating: 0, count: 7),
                                              reference: Array(repeating: 3000, count: 7),
                                              sample: [1000, 1000, 1000, 4095, 1000, 1000, 1000], maxCount: 4095,
                                              boxcarHalfWidth: 2)
        #expect(spoiled.status == [.valid, .saturated, .saturated, .saturated, .saturated, .saturated, .valid])
    }

    // MARK: interpolation and band means

    @Test func interpolationBetweenPixels() throws {
        let x = [500.0, 501, 502], y = [0.0, 1, 4]
        #expect(try Absorbance.interpolate(wavelengthsNM: x, values: y, at: 500.25) == 0.25)
        #expect(try Absorbance.interpolate(wavelengthsNM: x, values: y, at: 501.5) == 2.5)
        #expect(try Absorbance.interpolate(wavelengthsNM: x, values: y, at: 500) == 0)
        #expect(try Absorbance.interpolate(wavelengthsNM: x, values: y, at: 501) == 1)
        #expect(try Absorbance.interpolate(wavelengthsNM: x, values: y, at: 502) == 4)
        for outside in [499.9, 502.1] {
            #expect(throws: PrecisError.self) { try Absorbance.interpolate(wavelengthsNM: x, values: y, at: outside) }
        }
    }

    @Test func bandMeanOfAStraightLineIsItsMiddle() throws {
        let x = [0.0, 1, 2, 3, 4]
        #expect(try Absorbance.bandMean(wavelengthsNM: x, values: x, band: ValueRange(low: 0.5, high: 3.5)) == 2)
        #expect(try Absorbance.bandMean(wavelengthsNM: x, values: x, band: ValueRange(low: 0, high: 4)) == 2)
    }

    @Test func bandMeanIsTheIntegralOverTheWidth() throws {
        // A triangle of height 10 at 2 on a zero background.
        let x = [0.0, 1, 2, 3, 4], y = [0.0, 0, 10, 0, 0]
        func mean(_ low: Double, _ high: Double) throws -> Double {
            try Absorbance.bandMean(wavelengthsNM: x, values: y, band: ValueRange(low: low, high: high))
        }
        #expect(try mean(1, 3) == 5)        // area 10 over a width of 2
        #expect(try mean(1.5, 2.5) == 7.5)  // edges interpolated at 5: ½(5+10)·0.5 twice, over 1
        #expect(try mean(2.25, 2.75) == 5)  // inside one segment: ½(7.5 + 2.5)
        #expect(try mean(1.5, 1.5) == 5)    // no width: the interpolated value
        #expect(try mean(0, 4) == 2.5)      // area 10 over 4
    }

    @Test func bandMeanOnUnevenPixels() throws {
        // A spectrometer's pixels are not evenly spaced in wavelength.
        let x = [500.0, 500.3, 500.5, 501.2], y = [1.0, 2, 3, 4]
        let low = 1 + (2 - 1) / 0.3 * 0.1     // y(500.1)
        let high = 3 + (4 - 3) / 0.7 * 0.5    // y(501.0)
        let area = 0.5 * (low + 2) * 0.2 + 0.5 * (2 + 3) * 0.2 + 0.5 * (3 + high) * 0.5
        let got = try Absorbance.bandMean(wavelengthsNM: x, values: y, band: ValueRange(low: 500.1, high: 501.0))
        #expect(abs(got - area / 0.9) < 1e-12)
    }

    @Test func bandsOutsideTheSpectrumOrReversedAreRefused() {
        let x = [0.0, 1, 2]
        for band in [ValueRange(low: -0.1, high: 1), ValueRange(low: 1, high: 2.1), ValueRange(low: 1.5, high: 1)] {
            #expect(throws: PrecisError.self) { try Absorbance.bandMean(wavelengthsNM: x, values: x, band: band) }
        }
        #expect(throws: PrecisError.self) { try Absorbance.bandMean(wavelengthsNM: x, values: [1, 2], band: ValueRange(low: 0, high: 1)) }
    }

    @Test func aBandUsesThePixelsAroundItsEdgesAndNoOthers() throws {
        let status: [PixelStatus] = [.valid, .valid, .valid, .saturated, .valid]
        let spectrum = AbsorbanceSpectrum(wavelengthsNM: [0, 1, 2, 3, 4], absorbance: [0, 1, 2, nil, 4], status: status)
        let clear = try Absorbance.band(spectrum, ValueRange(low: 0.5, high: 2))  // pixels 0…2
        #expect(clear.status == .valid && clear.firstPixel == 0 && clear.lastPixel == 2)
        #expect(clear.absorbance == 1.25)
        let touching = try Absorbance.band(spectrum, ValueRange(low: 1.5, high: 2.2))  // pixels 1…3: 3 brackets 2.2
        #expect(touching.status == .saturated && touching.absorbance == nil && touching.lastPixel == 3)
        // The most severe status of the pixels read wins.
        let mixed = AbsorbanceSpectrum(wavelengthsNM: [0, 1, 2], absorbance: [nil, nil, 1], status: [.opaque, .noReference, .valid])
        #expect(try Absorbance.band(mixed, ValueRange(low: 0, high: 2)).status == .noReference)
    }

    @Test func correctedAbsorbanceIsAnalyticalLessBaseline() throws {
        let x = (0...10).map { 560 + Double($0) * 40 }  // 560 … 960 nm
        let a = x.map { $0 == 560 || $0 == 600 ? 0.9 : 0.15 }
        let spectrum = AbsorbanceSpectrum(wavelengthsNM: x, absorbance: a, status: Array(repeating: .valid, count: x.count))
        let reading = try Absorbance.corrected(spectrum, analytical: ValueRange(low: 570, high: 590),
                                               baseline: ValueRange(low: 870, high: 890))
        #expect(reading.analytical.absorbance == 0.9 && reading.baseline.absorbance == 0.15)
        #expect(abs(reading.corrected! - 0.75) < 1e-15)
        var dark = spectrum
        dark.status[8] = .opaque  // 880 nm
        dark.absorbance[8] = nil
        let none = try Absorbance.corrected(dark, analytical: ValueRange(low: 570, high: 590), baseline: ValueRange(low: 870, high: 890))
        #expect(none.corrected == nil && none.baseline.status == .opaque && none.analytical.absorbance == 0.9)
    }
}

/// `AbsorbanceQuantifier` on synthetic spectra of the hb assay: each result and each flag.
@Suite struct AbsorbanceQuantifierTests {
    let assay = hbAssay()
    let lot = hbLot()

    private func interpret(_ reading: AbsorbanceReading, lot: CalibrationLot? = nil) throws -> AbsorbanceInterpretation {
        try AbsorbanceQuantifier.interpret(reading, assay: assay, lot: lot ?? self.lot)
    }

    /// The concentration `c` g/dL gives A_corr = 0.06·c + 0.004 on HB26E01's line.
    private func analyte(_ c: Double) -> Double { 0.06 * c + 0.004 }

    @Test func aNormalSampleIsTheLineInverted() throws {
        let result = try interpret(hbReading(analyte: analyte(14), turbidity: 0.1))
        #expect(abs(result.reading.analytical.absorbance! - 0.944) < 1e-9)
        #expect(abs(result.reading.baseline.absorbance! - 0.1) < 1e-9)
        #expect(abs(result.reading.corrected! - 0.844) < 1e-9)
        let value = try #require(result.quantitation.concentration)
        #expect(abs(value.value - 14) < 1e-9 && value.comparator == nil && value.unit == "g/dL")
        #expect(result.quantitation.flags == [])
        #expect(result.spectrum.count == 1201 && result.spectrum.status.allSatisfy { $0 == .valid })
    }

    @Test func turbidityDropsOut() throws {
        for turbidity in [0.0, 0.3, 0.9] {
            let value = try #require(try interpret(hbReading(analyte: analyte(14), turbidity: turbidity)).quantitation.concentration)
            #expect(abs(value.value - 14) < 1e-9, "turbidity \(turbidity)")
        }
    }

    @Test func highAndLowAgainstTheReferenceInterval() throws {
        #expect(try interpret(hbReading(analyte: analyte(10), turbidity: 0.1)).quantitation.flags == [.low])
        #expect(try interpret(hbReading(analyte: analyte(18), turbidity: 0.1)).quantitation.flags == [.high])
        for inside in [12.1, 16.9] {
            #expect(try interpret(hbReading(analyte: analyte(inside), turbidity: 0.1)).quantitation.flags == [])
        }
    }

    @Test func aboveTheReportableRange() throws {
        // 30 g/dL: A at 570 nm is 1.904, under the linear limit; past the lot's 25.6 g/dL.
        let q = try interpret(hbReading(analyte: analyte(30), turbidity: 0.1)).quantitation
        #expect(q.concentration == Concentration(value: 25.6, comparator: ">", unit: "g/dL"))
        #expect(q.flags == [.aboveMeasuringRange, .high])
    }

    @Test func belowTheLimitOfDetectionAndTheMeasuringRange() throws {
        for c in [0.0, 0.1, -0.2] {
            let q = try interpret(hbReading(analyte: analyte(c), turbidity: 0.1)).quantitation
            #expect(q.concentration == Concentration(value: 0.3, comparator: "<", unit: "g/dL"), "\(c)")
            #expect(q.flags == [.belowLimitOfDetection, .low])
        }
        let narrower = hbLot(range: ValueRange(low: 1, high: 25.6))
        let q = try interpret(hbReading(analyte: analyte(0.6), turbidity: 0.1), lot: narrower).quantitation
        #expect(abs(try #require(q.concentration).value - 0.6) < 1e-9)
        #expect(q.flags == [.belowMeasuringRange, .low])
    }

    @Test func aboveTheLinearLimitIsNotExtrapolated() throws {
        // 34 g/dL: 2.144 AU at 570 nm, over the 2.0 AU limit.
        let over = try interpret(hbReading(analyte: analyte(34), turbidity: 0.1))
        #expect(over.quantitation == Quantitation(concentration: nil, flags: [.aboveLinearLimit]))
        #expect(abs(over.reading.corrected! - analyte(34)) < 1e-9)  // kept for the record, never read off the line
        // A turbid sample over the limit at the baseline wavelength.
        let turbid = try interpret(hbReading(analyte: analyte(5), turbidity: 2.05))
        #expect(turbid.quantitation == Quantitation(concentration: nil, flags: [.aboveLinearLimit]))
        // No light through the sample at the analytical wavelength.
        let opaque = try interpret(hbReading(analyte: analyte(14), turbidity: 0.1) { r in
            for i in r.pixels(568...572) { r.sample.counts[i] = r.dark.counts[i] }
        })
        #expect(opaque.reading.analytical.status == .opaque)
        #expect(opaque.quantitation == Quantitation(concentration: nil, flags: [.aboveLinearLimit]))
    }

    @Test func saturationInABandGivesNoNumber() throws {
        let sample = try interpret(hbReading(analyte: analyte(14), turbidity: 0.1) { $0.sample.counts[$0.pixel(571)] = 65_535 })
        #expect(sample.quantitation == Quantitation(concentration: nil, flags: [.saturated]))
        #expect(sample.reading.analytical.status == .saturated)
        let reference = try interpret(hbReading(analyte: analyte(14), turbidity: 0.1) { $0.reference.counts[$0.pixel(880)] = 70_000 })
        #expect(reference.quantitation == Quantitation(concentration: nil, flags: [.saturated]))
        let dark = try interpret(hbReading(analyte: analyte(14), turbidity: 0.1) { $0.dark.counts[$0.pixel(569.5)] = 65_535 })
        #expect(dark.quantitation.flags == [.saturated])
        // Outside both bands (and their smoothing windows) a saturated pixel is never read.
        let elsewhere = try interpret(hbReading(analyte: analyte(14), turbidity: 0.1) { $0.sample.counts[$0.pixel(700)] = 65_535 })
        #expect(elsewhere.spectrum.status[elsewhere.spectrum.wavelengthsNM.firstIndex(of: 700)!] == .saturated)
        #expect(abs(try #require(elsewhere.quantitation.concentration).value - 14) < 1e-9)
        #expect(elsewhere.quantitation.flags == [])
    }

    @Test func aDimOrMissingReferenceIsUnusable() throws {
        // 2000 counts over the dark at 880 nm, under 5 % of 65 535.
        let dim = try interpret(hbReading(analyte: analyte(14), turbidity: 0.1) { r in
            for i in r.pixels(877...883) { r.reference.counts[i] = r.dark.counts[i] + 2000 }
        })
        #expect(dim.reading.baseline.status == .noReference)
        #expect(dim.quantitation == Quantitation(concentration: nil, flags: [.referenceUnusable]))
        let none = try interpret(hbReading(analyte: analyte(14), turbidity: 0.1) { r in
            r.reference.counts = r.dark.counts
        })
        #expect(none.quantitation == Quantitation(concentration: nil, flags: [.referenceUnusable]))
        #expect(none.spectrum.absorbance.allSatisfy { $0 == nil })
    }

    @Test func everyReasonIsGiven() throws {
        let both = try interpret(hbReading(analyte: analyte(14), turbidity: 0.1) { r in
            r.sample.counts[r.pixel(570)] = 65_535
            for i in r.pixels(877...883) { r.reference.counts[i] = r.dark.counts[i] }
        })
        #expect(both.quantitation == Quantitation(concentration: nil, flags: [.saturated, .referenceUnusable]))
    }

    @Test func spectraTakenOtherwiseThanTheMethodAreRefused() throws {
        let edits: [(inout AbsorbanceReading) -> Void] = [
            { $0.reference.integrationUS = 10_000 }, { $0.dark.scansAveraged = 1 }, { $0.sample.integrationUS = 40_000 },
        ]
        for edit in edits {
            #expect(throws: PrecisError.self) { try interpret(hbReading(analyte: analyte(14), turbidity: 0.1, edit: edit)) }
        }
        var blind = hbReading(analyte: analyte(14), turbidity: 0.1)
        let keep = blind.pixels(400...800)  // no 880 nm
        blind.wavelengthsNM = Array(blind.wavelengthsNM[keep])
        for path in [\AbsorbanceReading.dark, \.reference, \.sample] { blind[keyPath: path].counts = Array(blind[keyPath: path].counts[keep]) }
        #expect(throws: PrecisError.self) { try interpret(blind) }
        let error = #expect(throws: PrecisError.self) {
            try AbsorbanceQuantifier.interpret(hbReading(analyte: 0.5, turbidity: 0.1), assay: crpAssay(), lot: lot)
        }
        #expect(error?.kind == .calibration)
    }
}

/// The hb assay's method as `Calibration/assays/hb.json` gives it.
func hbMethod() -> AbsorbanceMethod {
    AbsorbanceMethod(analyticalNM: 570, baselineNM: 880, bandHalfWidthNM: 2.5, integrationUS: 20_000, scansToAverage: 10,
                     boxcarHalfWidth: 2, linearLimit: 2.0, minReferenceFraction: 0.05)
}

/// The hb assay: g/dL, adult reference interval 12.0–17.0 g/dL.
func hbAssay() -> AssayDefinition {
    AssayDefinition(schema: "precis.assay/1", id: "hb", name: "Total haemoglobin", analyte: "Haemoglobin",
                    loinc: Coding(code: "718-7", display: "Hemoglobin [Mass/volume] in Blood"),
                    unit: MeasureUnit(ucum: "g/dL", display: "g/dL"), family: "obp",
                    algorithm: "baseline-corrected-absorbance", decimals: 1,
                    referenceRange: ReferenceRange(low: 12, high: 17, text: "12.0–17.0 g/dL"), absorbance: hbMethod())
}

/// HB26E01's line: A_corr = 0.06 AU per g/dL + 0.004 AU; LoD 0.3 g/dL, measuring range 0.3–25.6 g/dL.
func hbLot(range: ValueRange = ValueRange(low: 0.3, high: 25.6)) -> CalibrationLot {
    CalibrationLot(lot: "HB26E01", assay: "hb", version: 1, source: "manufacturer",
                   manufactured: CalendarDate(year: 2026, month: 10, day: 19)!, expiry: CalendarDate(year: 2028, month: 4, day: 18)!,
                   response: "corrected-absorbance", model: .linear(slope: 0.06, intercept: 0.004), limitOfDetection: 0.3,
                   measuringRange: range)
}

/// Spectra of 1201 pixels, 400–1000 nm every 0.5 nm, taken with the hb method's settings: a dark of
/// 1000 counts, a blank 40 000 counts above it, and a sample whose absorbance is `turbidity` at
/// every wavelength plus `analyte` on a plateau from 550 to 590 nm, so that the analytical band
/// reads turbidity + analyte and the baseline band turbidity alone, exactly.
func hbReading(analyte: Double, turbidity: Double, edit: (inout AbsorbanceReading) -> Void = { _ in }) -> AbsorbanceReading {
    let x = (0...1200).map { 400 + Double($0) * 0.5 }
    let dark = x.map { _ in 1000.0 }, light = 40_000.0
    let sample = x.map { nm in
        1000 + light * Double.exp10(-(turbidity + (abs(nm - 570) <= 20 ? analyte : 0)))
    }
    func spectrum(_ counts: [Double]) -> RawSpectrum { RawSpectrum(counts: counts, integrationUS: 20_000, scansAveraged: 10) }
    var reading = AbsorbanceReading(wavelengthsNM: x, maxCount: 65_535, dark: spectrum(dark),
                                    reference: spectrum(dark.map { $0 + light }), sample: spectrum(sample))
    edit(&reading)
    return reading
}

extension AbsorbanceReading {
    /// The pixel at `nm` (on the test grid).
    func pixel(_ nm: Double) -> Int { wavelengthsNM.firstIndex(of: nm)! }
    /// The pixels from `nm.lowerBound` to `nm.upperBound`.
    func pixels(_ nm: ClosedRange<Double>) -> ClosedRange<Int> { pixel(nm.lowerBound)...pixel(nm.upperBound) }
}
