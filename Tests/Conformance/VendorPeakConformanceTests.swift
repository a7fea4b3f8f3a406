import Foundation
import PrecisSignal
import Testing

/// Precis's peak search on a real PalmSens curve against the peaks the vendor's own test suite
/// asserts for it (PalmSens SDK `python/tests/test_curve.py` and `test_peak.py`, on
/// `DPV example.pssession`; the curve and the values in `Fixtures/palmsens-sdk/`). The vendor
/// reports the apex sample and the value over the valley baseline there; Precis interpolates
/// between samples, so the comparison is at the sample: same samples, same numbers.
@Suite struct VendorPeakConformanceTests {
    /// A fixture's two columns: potential (V) and current (µA), as the session file stores them.
    static func fixture(_ name: String) throws -> (e: [Double], i: [Double]) {
        let text = try String(contentsOf: Repo.fixture("palmsens-sdk/\(name)"), encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        return (rows.map { $0[0] }, rows.map { $0[1] })
    }

    static func curve() throws -> (e: [Double], i: [Double]) {
        try fixture("dpv_example.csv")
    }

    /// The value the vendor reports: the current at the apex sample minus the baseline there.
    static func sampleValue(_ p: VoltammetricPeak, _ e: [Double]) -> Double {
        let slope = (p.endBaseline - p.startBaseline) / (e[p.endIndex] - e[p.startIndex])
        return p.current - (p.startBaseline + slope * (e[p.apexIndex] - e[p.startIndex]))
    }

    /// The vendor's bounds and values: (left, apex, right) sample and value over the line between
    /// the two bounds at the apex sample.
    static let vendor: [(left: Int, apex: Int, right: Int, value: Double)] = [
        (25, 37, 51, 1.4645238461538463), (81, 106, 121, 12.20311125), (121, 144, 164, 33.24060953488372),
    ]

    /// The same three peaks at the vendor's samples (−0.815, −0.47, −0.28 V), the start-of-scan
    /// transient and the tail at the sweep's end left out as the vendor leaves them out; the
    /// bounds the two searches agree on (the first peak's left valley, the last peak's both).
    @Test func theVendorsThreePeaksAtItsSamples() throws {
        let (e, i) = try Self.curve()
        #expect(e.count == 201)
        let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
        try #require(peaks.count == 3, "\(peaks.map { e[$0.apexIndex] })")
        for (p, v) in zip(peaks, Self.vendor) {
            #expect(p.apexIndex == v.apex)
            #expect(abs(p.potential - e[v.apex]) <= 0.005)                // interpolated within a step
        }
        #expect(peaks[0].startIndex == 25)
        #expect((peaks[2].startIndex, peaks[2].endIndex) == (121, 164))
    }

    /// PSTrace's bounds (`PeakBounds.vendor`, inferred from these outputs) give the vendor's
    /// numbers to the precision its tests assert: the same bounds (25–51, 81–121, 121–164), the
    /// same values over each peak's own baseline (its test compares them with `==`), and peak 1's
    /// area, baseline at the apex (`y_offset`) and bounds' currents.
    @Test func theVendorsBoundsAndValues() throws {
        let (e, i) = try Self.curve()
        var options = VoltammetricPeakOptions()
        options.bounds = .vendor
        let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: options)
        try #require(peaks.count == 3)
        for (p, v) in zip(peaks, Self.vendor) {
            #expect((p.startIndex, p.apexIndex, p.endIndex) == (v.left, v.apex, v.right))
            #expect(abs(Self.sampleValue(p, e) / v.value - 1) < 1e-12, "at \(e[v.apex]): \(Self.sampleValue(p, e)) vs \(v.value)")
        }
        #expect(abs(peaks[0].area / 0.08553185 - 1) < 1e-6, "area \(peaks[0].area)")
        #expect(abs(peaks[0].startBaseline - 3.21169) < 1e-12 && abs(peaks[0].endBaseline - 2.10081) < 1e-12)
        let offset = peaks[0].startBaseline + (peaks[0].endBaseline - peaks[0].startBaseline) / (e[51] - e[25]) * (e[37] - e[25])
        #expect(abs(offset / 2.698976 - 1) < 1e-6)
        withKnownIssue("PSTrace's width (0.06 V for peak 1) is not Precis's interpolated width at half height") {
            #expect(abs((peaks[0].width ?? 0) / 0.06 - 1) < 1e-6, "width \(peaks[0].width ?? 0)")
        }
    }

    /// Precis's own bounds (the default, `PeakBounds.valley`) differ from PSTrace's on purpose:
    /// neighbours that share a valley above their common baseline are split at the valley (sample 67)
    /// over one line, which keeps each overlapping peak's area within 1 % of its own.
    @Test func precisOwnBoundsSplitAtTheValley() throws {
        let (e, i) = try Self.curve()
        let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
        try #require(peaks.count == 3)
        #expect(peaks.map { [$0.startIndex, $0.endIndex] } == [[25, 67], [67, 121], [121, 164]])
        #expect(peaks[0].endBaseline == peaks[1].startBaseline)
        #expect(abs(Self.sampleValue(peaks[0], e) - Self.vendor[0].value) > 0.1)
    }

    /// The SDK's example session `Demo CV DPV EIS IS-C electrode.pssession`: a DPV of
    /// ferri/ferrocyanide whose `find_peaks()` (defaults: minimum width 0.1 V) the SDK's "Working
    /// with data" page prints: x 0.179102 V, y 3.42442 µA, y_offset 0.26371 µA, area 0.818265 V·µA,
    /// width 0.221563 V, left_x −0.35465 V (sample 9), right_x 0.647385 V (sample 208).
    static func demoDPV() throws -> (e: [Double], i: [Double]) {
        try fixture("demo_dpv.csv")
    }

    /// The same peak and left bound; the right bound falls one sample later than the vendor's (209,
    /// on a flat, noisy tail where the 7-point slope and the line's differ by 0.04 µA/V), so the
    /// baseline at the apex differs by 0.0004 µA: a known issue, the one place the inferred rule
    /// misses a published PalmSens number.
    @Test func theDocumentedDPVPeak() throws {
        let (e, i) = try Self.demoDPV()
        #expect(e.count == 219)
        var options = VoltammetricPeakOptions()
        options.bounds = .vendor
        options.minimumWidth = 0.1
        let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: options)
        try #require(peaks.count == 1)
        #expect(peaks[0].apexIndex == 115 && peaks[0].current == 3.42442)
        #expect(peaks[0].startIndex == 9)
        #expect(abs(Self.sampleValue(peaks[0], e) - 3.1607) < 0.0005)
        withKnownIssue("the vendor ends this peak at sample 208, the inferred rule at 209") {
            #expect(peaks[0].endIndex == 208)
            #expect(abs(peaks[0].current - Self.sampleValue(peaks[0], e) - 0.26371) < 5e-6)
        }
    }

    /// The vendor's CV example (scan 1 of `CV example.pssession`: −0.4 → 0.7 → −0.4 V, 5 mV,
    /// 0.1 V/s, ferri/ferrocyanide on a screen-printed carbon electrode).
    static func cvScan() throws -> (e: [Double], i: [Double]) {
        try fixture("cv_example_scan1.csv")
    }

    /// On a real, quasi-reversible couple the semi-derivative's two peaks give the same E½ as the
    /// current's own peaks (within two steps), and lie closer together than the current's peaks.
    @Test func theSemiDerivativeOfTheVendorsCVGivesItsHalfWavePotential() throws {
        let (e, i) = try Self.cvScan()
        #expect(e.count == 437)
        let semi = try #require(try CyclicVoltammetryAnalyzer.semiDerivativePeaks(potentials: e, currents: i, scanRate: 0.1).first)
        let plain = try #require(try CyclicVoltammetryAnalyzer.analyze(potentials: e, currents: i).first)
        let (sh, ph) = (try #require(semi.halfWavePotential), try #require(plain.halfWavePotential))
        #expect(abs(sh - ph) <= 0.010, "semi-derivative E½ \(sh), peaks' E½ \(ph)")
        #expect(try #require(semi.peakSeparation) < (try #require(plain.peakSeparation)))
    }

    /// What the vendor's semi-derivative search reports on the same scan (its test
    /// `test_find_peaks_semiderivative` asserts x 0.284884 and −0.0223047 V, y 15.8404 and −15.826 µA
    /// with `==`): samples of the current over the tangent at the wave's foot
    /// (`vendorSemiDerivativePeaks`), the same samples.
    @Test func theVendorsSemiDerivativePeaks() throws {
        let (e, i) = try Self.cvScan()
        let cycle = try #require(try CyclicVoltammetryAnalyzer.vendorSemiDerivativePeaks(potentials: e, currents: i, scanRate: 0.1).first)
        #expect(cycle.anodic.map { ($0.potential, $0.current) } ?? (0, 0) == (0.284884, 15.8404))
        #expect(cycle.cathodic.map { ($0.potential, $0.current) } ?? (0, 0) == (-0.0223047, -15.826))
    }

    /// PSTrace's own peaks stored with the same scan in the SDK's demo session (samples 136 and 361,
    /// baselines from (−0.148165 V, −3.92081 µA) to −0.933593 µA at the peak, and from (0.370431 V,
    /// 3.37292 µA) to −0.320131 µA): each is the tangent at its foot sample with the 11-point slope,
    /// which the construction `vendorSemiDerivativePeaks` uses reproduces to 6 digits.
    @Test func pstracesStoredCVBaselinesAreElevenPointTangents() throws {
        let (e, i) = try Self.cvScan()
        for (foot, peak, left, atPeak) in [(50, 136, -3.92081, -0.933593), (283, 361, 3.37292, -0.320131)] {
            #expect(i[foot] == left)
            let slope = CyclicVoltammetryAnalyzer.elevenPointSlope(e, i, at: foot)
            #expect(abs(i[foot] + slope * (e[peak] - e[foot]) - atPeak) < 1e-6, "foot \(foot)")
        }
    }
}
