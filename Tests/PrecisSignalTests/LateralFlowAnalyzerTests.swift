import PrecisCore
import PrecisReplay
import Testing
@testable import PrecisSignal

@Suite struct LateralFlowAnalyzerTests {
    /// The requirement: known line areas give T/C within 1%, across ratios and
    /// backgrounds (no noise beyond the ADC's rounding). Measured: within 0.03%.
    @Test(arguments: testBackgrounds.indices)
    func ratioWithinOnePercentWithoutNoise(background: Int) throws {
        for ratio in testRatios {
            let result = analyzeCRP(ratio: ratio, background: testBackgrounds[background], noiseSD: 0)
            let measured = try #require(result.ratio, "ratio \(ratio) gave no ratio: \(String(describing: result.invalidity))")
            #expect(abs(measured / ratio - 1) < 0.01, "T/C \(measured) for \(ratio) on background \(background)")
            #expect(abs(measured / ratio - 1) < 0.001, "regression: was within 0.03%")
        }
    }

    /// With realistic reader noise (0.002 absorbance per reading) one strip's T/C cannot be
    /// better than the noise under the test line allows: SD ≈ 0.0021 absolute at T/C 0.05
    /// (4.2%), 0.0024 at 0.5 (0.47%), 0.006 at 2.5 (0.24%), measured over 100 strips, close
    /// to σ·Δx·√(readings integrated) / control area. So: the analysis must be unbiased (the
    /// mean of 100 strips within 1% at every ratio and background; measured ≤ 0.31%), every
    /// strip within 1% from T/C 1 up (measured ≤ 0.68%), and the spread no worse than that.
    @Test(arguments: testBackgrounds.indices)
    func ratioUnbiasedWithRealisticNoise(background: Int) throws {
        for ratio in testRatios {
            var errors: [Double] = []
            for seed in 1...100 {
                let result = analyzeCRP(ratio: ratio, background: testBackgrounds[background], noiseSD: 0.002,
                                        seed: UInt64(seed))
                let measured = try #require(result.ratio)
                errors.append(measured - ratio)
                if ratio >= 1 { #expect(abs(measured / ratio - 1) < 0.01, "seed \(seed): \(measured) for \(ratio)") }
            }
            let mean = errors.reduce(0, +) / 100
            let sd = (errors.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 99).squareRoot()
            #expect(abs(mean / ratio) < 0.01, "bias \(mean / ratio * 100)% at \(ratio), background \(background)")
            #expect(sd < 0.0025 + 0.003 * ratio, "spread \(sd) at \(ratio), background \(background)")
        }
    }

    /// The lines are found where they were put, with their heights, and the noise estimate
    /// is the noise of the smoothed signal.
    @Test func linesAndNoiseAreMeasured() throws {
        let result = analyzeCRP(ratio: 0.5, noiseSD: 0.002, seed: 7)
        let control = try #require(result.control)
        let test = try #require(result.test)
        #expect(abs(control.positionMM - 16) <= 0.05)
        #expect(abs(test.positionMM - 9) <= 0.1)
        #expect(abs(control.height - 0.45) < 0.45 * 0.03)  // SG 11/2 lowers a 0.8 mm line by < 1%
        #expect(abs(control.area - SyntheticStrip.CRP.controlArea) < 0.01 * SyntheticStrip.CRP.controlArea)
        // Bounds where the line falls to 1% of its height: ±3.03σ = ±1.03 mm for a 0.8 mm FWHM line.
        #expect(abs(control.startMM - 14.97) <= 0.1, "start \(control.startMM)")
        #expect(abs(control.endMM - 17.03) <= 0.1, "end \(control.endMM)")
        #expect(abs((test.endMM - test.startMM) - (control.endMM - control.startMM)) < 1e-9)
        let smoothedNoise = 0.002 * (try SavitzkyGolay(window: 11, order: 2)).coefficients
            .reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(result.noise / smoothedNoise - 1) < 0.2, "noise \(result.noise) vs \(smoothedNoise)")
        #expect(abs(control.signalToNoise - control.height / result.noise) < 1e-9)
        #expect(result.smoothed.count == 501 && result.baseline.count == 501 && result.positionsMM.count == 501)
        #expect(result.positionsMM[20] == 1.0)
    }

    /// A negative sample: no test line gives a tiny, non-negative ratio, never a crash.
    @Test func negativeSampleGivesATinyRatio() throws {
        for seed in 1...20 {
            let result = analyzeCRP(ratio: 0, noiseSD: 0.002, seed: UInt64(seed))
            let ratio = try #require(result.ratio)
            #expect(ratio >= 0 && ratio < 0.01, "seed \(seed): \(ratio)")
            #expect(try #require(result.test).area >= 0)
        }
    }

    /// No control line → INVALID, no ratio, whatever the test line does.
    @Test(arguments: [
        SyntheticStrip(lines: [], background: .init(offset: 0.1), noiseSD: 0.002, seed: 3),
        SyntheticStrip(lines: [.init(centreMM: 9, sigmaMM: SyntheticStrip.CRP.sigmaMM, area: 0.3)],
                       background: .init(offset: 0.1, slope: 0.002), noiseSD: 0.002, seed: 4),
        // A control line of 0.05 absorbance: under minControlHeight 0.1.
        SyntheticStrip(lines: [.init(centreMM: 16, sigmaMM: SyntheticStrip.CRP.sigmaMM, area: 0.05 * 0.8515),
                               .init(centreMM: 9, sigmaMM: SyntheticStrip.CRP.sigmaMM, area: 0.04)],
                       background: .init(offset: 0.1), noiseSD: 0.002, seed: 5),
    ])
    func noControlLineIsInvalid(strip: SyntheticStrip) {
        let result = LateralFlowAnalyzer(method: crpMethod()).analyze(strip.profile())
        #expect(result.invalidity == .noControlLine)
        #expect(result.ratio == nil)
        #expect(result.control == nil)
        let quantitation = Quantifier.quantify(ratio: result.ratio, lot: crpLot(), assay: crpAssay())
        #expect(quantitation.concentration == nil)
        #expect(quantitation.flags == [.noControlLine])
    }

    /// A control line clear of the height limit but drowned in noise fails the SNR rule.
    @Test func noisyControlLineIsInvalid() {
        var method = crpMethod()
        method.minSignalToNoise = 10
        let strip = SyntheticStrip(lines: [.init(centreMM: 16, sigmaMM: SyntheticStrip.CRP.sigmaMM, area: 0.12 * 0.8515)],
                                   background: .init(offset: 0.1), noiseSD: 0.05, seed: 11)
        let result = LateralFlowAnalyzer(method: method).analyze(strip.profile())
        #expect(result.invalidity == .noControlLine)
        #expect(result.ratio == nil)
    }

    /// Profiles the analysis cannot use are reported, not analysed and not crashed on.
    @Test func unusableProfiles() {
        let analyzer = LateralFlowAnalyzer(method: crpMethod())
        let good = SyntheticStrip.crp(ratio: 0.5, seed: 2).profile()
        let short = LineProfile(positionsUM: Array(good.positionsUM.prefix(10)),
                                reflectance: Array(good.reflectance.prefix(10)))
        var repeated = good
        repeated.positionsUM[200] = repeated.positionsUM[199]
        var reversed = good
        reversed.positionsUM.reverse()
        let partial = LineProfile(positionsUM: Array(good.positionsUM.suffix(250)),
                                  reflectance: Array(good.reflectance.suffix(250)))  // 12.5–25 mm: no test window
        let empty = LineProfile(positionsUM: [], reflectance: [])
        for profile in [short, repeated, reversed, partial, empty] {
            let result = analyzer.analyze(profile)
            #expect(result.invalidity == .unusableProfile)
            #expect(result.ratio == nil)
        }
    }

    /// A method with an even window is refused when checked, and unusable when run anyway.
    @Test func badMethodIsRefused() throws {
        for method in [crpMethod(window: 10), crpMethod(window: 5, order: 5)] {
            #expect(throws: PrecisError.self) { try LateralFlowAnalyzer.check(method) }
            do { try LateralFlowAnalyzer.check(method) } catch let error as PrecisError {
                #expect(error.kind == .calibration)
                #expect(error.message.contains("Savitzky–Golay"))
            }
            let result = LateralFlowAnalyzer(method: method).analyze(SyntheticStrip.crp(ratio: 1).profile())
            #expect(result.invalidity == .unusableProfile)
        }
        var badBaseline = crpMethod()
        badBaseline.baseline.p = 1.5
        #expect(throws: PrecisError.self) { try LateralFlowAnalyzer.check(badBaseline) }
        var emptyWindow = crpMethod()
        emptyWindow.testWindowMM = ValueRange(low: 11, high: 7)
        #expect(throws: PrecisError.self) { try LateralFlowAnalyzer.check(emptyWindow) }
        try LateralFlowAnalyzer.check(crpMethod())
    }

    /// Absorbance is −log10(max(R, 1) / fullScale); dark and saturated strips do not crash.
    @Test func absorbanceAndExtremeReadings() {
        let profile = LineProfile(positionsUM: [0, 50, 100], reflectance: [65535, 6554, 0])
        let a = LateralFlowAnalyzer.absorbance(profile)
        #expect(a[0] == 0)
        #expect(abs(a[1] - 0.99996) < 1e-4)
        #expect(abs(a[2] - 4.81647) < 1e-4)
        let positions = Array(stride(from: 0, through: 25_000, by: 50))
        let analyzer = LateralFlowAnalyzer(method: crpMethod())
        for level: UInt16 in [0, 65535, 30000] {
            let result = analyzer.analyze(LineProfile(positionsUM: positions,
                                                      reflectance: [UInt16](repeating: level, count: positions.count)))
            #expect(result.invalidity == .noControlLine)
            #expect(result.noise > 0)
        }
    }

    /// The concentration is what the lot's 4PL inverse gives for the synthetic ratio, within
    /// the 1% of the ratio carried through the curve.
    @Test func concentrationFollowsTheCurve() throws {
        let lot = crpLot()
        for trueX in [2.0, 5, 10, 40, 100, 180] {
            let ratio = lot.model.response(at: trueX)
            let result = analyzeCRP(ratio: ratio, background: testBackgrounds[1], noiseSD: 0)
            let measured = try #require(result.ratio)
            let quantitation = Quantifier.quantify(ratio: measured, lot: lot, assay: crpAssay())
            let value = try #require(quantitation.concentration)
            #expect(value.comparator == nil && value.unit == "mg/L")
            #expect(value.value == lot.model.inverse(of: measured))
            let low = try #require(lot.model.inverse(of: ratio * 0.99))
            let high = try #require(lot.model.inverse(of: ratio * 1.01))
            #expect(value.value >= low && value.value <= high, "\(value.value) for \(trueX) mg/L")
            #expect(quantitation.flags == (value.value > 5 ? [.high] : []))
        }
    }
}
