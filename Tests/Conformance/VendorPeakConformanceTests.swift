import Foundation
import PrecisSignal
import Testing

/// Precis's peak search on a real PalmSens curve against the peaks the vendor's own test suite
/// asserts for it (PalmSens SDK `python/tests/test_curve.py` and `test_peak.py`, on
/// `DPV example.pssession`; the curve and the values in `Fixtures/palmsens-sdk/`). The vendor
/// reports the apex sample and the value over the valley baseline there; Precis interpolates
/// between samples, so the comparison is at the sample: same samples, same numbers.
@Suite struct VendorPeakConformanceTests {
    static func curve() throws -> (e: [Double], i: [Double]) {
        let text = try String(contentsOf: Repo.fixture("palmsens-sdk/dpv_example.csv"), encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        return (rows.map { $0[0] }, rows.map { $0[1] })
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

    /// Where Precis does not yet give the vendor's numbers, recorded as a known issue (it fails
    /// the day they agree, so the note gets removed): the vendor ends the first peak at sample 51
    /// and starts the second at 81, on their flanks, where Precis takes the lowest sample between
    /// them (67) for both; and the vendor draws each peak's baseline between its own two bounds,
    /// where Precis runs one line under neighbours that share a valley above it. Same samples,
    /// different bounds: values and areas differ.
    @Test func theVendorsBoundsAndValues() throws {
        let (e, i) = try Self.curve()
        let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
        try #require(peaks.count == 3)
        withKnownIssue("PSTrace's bounds on a flank (samples 51 and 81) and per-peak baselines are not Precis's") {
            for (p, v) in zip(peaks, Self.vendor) {
                #expect((p.startIndex, p.endIndex) == (v.left, v.right))
                #expect(abs(Self.sampleValue(p, e) / v.value - 1) < 1e-9, "at \(e[v.apex]): \(Self.sampleValue(p, e)) vs \(v.value)")
            }
            #expect(abs(peaks[0].area / 0.08553185 - 1) < 1e-6, "area \(peaks[0].area)")
        }
    }

    /// The vendor's CV example (scan 1 of `CV example.pssession`: −0.4 → 0.7 → −0.4 V, 5 mV,
    /// 0.1 V/s, ferri/ferrocyanide on a screen-printed carbon electrode).
    static func cvScan() throws -> (e: [Double], i: [Double]) {
        let text = try String(contentsOf: Repo.fixture("palmsens-sdk/cv_example_scan1.csv"), encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        return (rows.map { $0[0] }, rows.map { $0[1] })
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
    /// `test_find_peaks_semiderivative`: x 0.284884 and −0.0223047 V, y 15.8404 and −15.826 µA):
    /// points of the current curve next to the current's own extremes (0.289884 V, 15.8437 µA;
    /// −0.0323829 V, −15.8952 µA), not the semi-derivative's maxima (0.214 and 0.043 V). PalmSens
    /// publish no definition of which point that is; a known issue until one is found.
    @Test func theVendorsSemiDerivativePeaks() throws {
        let (e, i) = try Self.cvScan()
        let cycle = try #require(try CyclicVoltammetryAnalyzer.semiDerivativePeaks(potentials: e, currents: i, scanRate: 0.1).first)
        withKnownIssue("PalmSens' semi-derivative search reports a point near the current's extreme; which one is undocumented") {
            #expect(cycle.anodic.map { e[$0.apexIndex] } == 0.284884)
            #expect(cycle.cathodic.map { e[$0.apexIndex] } == -0.0223047)
        }
    }
}
