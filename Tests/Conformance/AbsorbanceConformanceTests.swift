import Foundation
import PrecisCore
import PrecisSignal
import Testing

/// PrecisSignal's absorbance spectrum, boxcar smoothing and band means against numpy and scipy
/// (`absorbance_reference.py`: `np.convolve` for the boxcar, `scipy.ndimage.uniform_filter1d`
/// where its window lies inside the spectrum, `np.log10`, `np.interp` and `np.trapezoid` for
/// the bands) on a realistic haemoglobin reading. The inputs are made here; the script only computes.
///
/// No public haemoglobin spectrum ships in a Python package, so the reading is synthetic: a
/// 2048-pixel spectrometer whose wavelength calibration is a cubic polynomial (uneven pixels,
/// 340–1041 nm), a dark with pixel-to-pixel offsets, a halogen-like blank (a
/// 3000 K Planck curve times a silicon response, too dim below 400 nm) with an emission line that
/// saturates a few pixels at 656 nm, and a sample of azide-methaemoglobin-like absorbance
/// (Gaussian Q bands at 542 and 576 nm, ≈ 0.9 AU at 570 nm, a Soret band at 415 nm strong
/// enough to be opaque) on a scattering background falling as λ⁻², with shot noise.
@Suite struct AbsorbanceConformanceTests {
    static let maxCount = 65_535.0
    static let minReference = 0.05 * maxCount
    /// Bands compared, nm: the hb assay's two, points between pixels (zero width), and wider ones.
    static let bands: [ValueRange] = [
        ValueRange(low: 567.5, high: 572.5), ValueRange(low: 877.5, high: 882.5), ValueRange(low: 506, high: 506),
        ValueRange(low: 541.37, high: 543.07), ValueRange(low: 575.03, high: 575.03), ValueRange(low: 690, high: 710),
        ValueRange(low: 600, high: 600.2), ValueRange(low: 800.11, high: 849.93),
    ]

    @Test func absorbanceSmoothingAndBandsMatchNumpy() throws {
        let reading = Self.haemoglobinReading()
        let ks = [0, 1, 2, 5]
        let request = AbsorbanceRequest(wavelengths: reading.x, dark: reading.dark, reference: reading.reference,
                                        sample: reading.sample, max_count: Self.maxCount, min_reference: Self.minReference,
                                        cases: ks.map { AbsorbanceCase(k: $0, bands: Self.bands.map { [$0.low, $0.high] }) })
        let reply = try JSONDecoder().decode(AbsorbanceReply.self,
                                             from: runReference("absorbance_reference.py", input: JSONEncoder().encode(request)))
        try #require(reply.results.count == ks.count)
        var worst = (counts: 0.0, uniform: 0.0, absorbance: 0.0, bands: 0.0)
        for (k, expected) in zip(ks, reply.results) {
            let smoothed = [reading.dark, reading.reference, reading.sample].map { Absorbance.boxcar($0, halfWidth: k) }
            let reference = [expected.smoothed.dark, expected.smoothed.reference, expected.smoothed.sample]
            let uniform = [expected.uniform.dark, expected.uniform.reference, expected.uniform.sample]
            for (ours, theirs) in zip(smoothed, reference) { worst.counts = max(worst.counts, maxDifference(ours, theirs)) }
            for (ours, theirs) in zip(smoothed, uniform) {
                let inside = k..<(ours.count - k)
                worst.uniform = max(worst.uniform, maxDifference(Array(ours[inside]), Array(theirs[inside])))
            }
            let spectrum = try Absorbance.spectrum(wavelengthsNM: reading.x, dark: reading.dark, reference: reading.reference,
                                                   sample: reading.sample, maxCount: Self.maxCount, boxcarHalfWidth: k,
                                                   minimumReference: Self.minReference)
            #expect(spectrum.status.map(\.code) == expected.status, "k \(k): pixel statuses differ")
            #expect(zip(spectrum.absorbance, expected.absorbance).allSatisfy { ($0 == nil) == ($1 == nil) }, "k \(k)")
            let pairs = zip(spectrum.absorbance, expected.absorbance).compactMap { a, b in a.flatMap { a in b.map { (a, $0) } } }
            worst.absorbance = max(worst.absorbance, pairs.map { abs($0 - $1) }.max() ?? 0)
            for (band, value) in zip(Self.bands, expected.bands) {
                let ours = try Absorbance.band(spectrum, band)
                let got = try #require(ours.absorbance, "k \(k): band \(band) is \(ours.status)")
                worst.bands = max(worst.bands, abs(got - value))
                let plain = try Absorbance.bandMean(wavelengthsNM: reading.x, values: spectrum.absorbance.map { $0 ?? .nan }, band: band)
                #expect(plain == got, "the band of a spectrum is the band mean of its values")
            }
            // The reading covers every status: valid, saturated (656 nm), dim blank (UV), opaque (Soret).
            #expect(Set(expected.status) == [0, 1, 2, 3], "k \(k)")
        }
        #expect(worst.counts < 1e-9, "boxcar vs np.convolve: max |Δ| \(worst.counts) counts")
        #expect(worst.uniform < 1e-9, "boxcar vs uniform_filter1d inside: max |Δ| \(worst.uniform) counts")
        #expect(worst.absorbance < 1e-9, "absorbance: max |Δ| \(worst.absorbance) AU")
        #expect(worst.bands < 1e-9, "band means: max |Δ| \(worst.bands) AU")
        print("absorbance vs numpy \(reply.numpy), scipy \(reply.scipy): boxcar \(worst.counts), uniform_filter1d \(worst.uniform), "
              + "absorbance \(worst.absorbance), bands \(worst.bands) (max |Δ|)")
    }

    private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
    }

    /// The synthetic reading described above (deterministic).
    static func haemoglobinReading() -> (x: [Double], dark: [Double], reference: [Double], sample: [Double]) {
        var noise = TestNoise(seed: 2612)
        let x = (0..<2048).map { p -> Double in
            let p = Double(p)
            return 339.7 + 0.3825 * p - 1.7e-5 * p * p - 1.2e-9 * p * p * p
        }
        let dark = x.map { _ in 1500 + 30 * noise.gaussian() }
        let continuum = x.map { nm -> Double in
            let planck = 1 / (pow(nm * 1e-9, 5) * (exp(0.014_388 / (nm * 1e-9 * 3000)) - 1))
            return planck * exp(-0.5 * pow((nm - 600) / 200, 2))
        }
        let scale = 50_000 / (continuum.max() ?? 1)
        let blank = zip(x, continuum).map { nm, c in c * scale + 35_000 * exp(-0.5 * pow((nm - 656.3) / 0.4, 2)) }
        let reference = zip(dark, blank).map { d, b in d + b + b.squareRoot() * noise.gaussian() }
        let sample = x.indices.map { i -> Double in
            let nm = x[i]
            let hb = 0.55 * exp(-pow((nm - 542) / 14, 2)) + 0.5 * exp(-pow((nm - 576) / 12, 2))
                + 5 * exp(-pow((nm - 415) / 15, 2)) + 0.08 * exp(-pow((nm - 630) / 60, 2))
            let absorbance = 1.9 * hb + 0.05 * pow(600 / nm, 2)
            let transmitted = blank[i] * pow(10, -absorbance)
            return dark[i] + transmitted + (transmitted.squareRoot() + 5) * noise.gaussian()
        }
        return (x, dark, reference, sample)
    }
}

extension PixelStatus {
    /// The script's codes: 0 valid, 1 saturated, 2 no reference, 3 opaque.
    fileprivate var code: Int {
        switch self {
        case .valid: 0
        case .saturated: 1
        case .noReference: 2
        case .opaque: 3
        }
    }
}

private struct AbsorbanceCase: Codable { var k: Int; var bands: [[Double]] }
private struct AbsorbanceRequest: Codable {
    var wavelengths, dark, reference, sample: [Double]
    var max_count, min_reference: Double
    var cases: [AbsorbanceCase]
}
private struct AbsorbanceReply: Codable {
    struct Counts: Codable { var dark, reference, sample: [Double] }
    struct Result: Codable {
        var smoothed, uniform: Counts
        var status: [Int]
        var absorbance: [Double?]
        var bands: [Double]
    }
    var numpy: String
    var scipy: String
    var results: [Result]
}

