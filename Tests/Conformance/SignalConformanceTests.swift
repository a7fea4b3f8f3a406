import Foundation
import PrecisCore
import PrecisSignal
import Testing

/// PrecisSignal's filters against the tools people check them with: Savitzky–Golay against
/// scipy.signal.savgol_filter (mode="interp"), asymmetric least squares against
/// pybaselines' Baseline.asls. The inputs are made here; the scripts only compute.
@Suite struct SignalConformanceTests {
    /// Windows and orders compared, small to wide, including order = window − 1.
    static let savgolSettings = [(5, 2), (7, 3), (11, 2), (11, 3), (15, 4), (21, 2), (21, 5), (31, 3),
                                 (51, 4), (9, 8), (3, 0)]

    @Test func savitzkyGolayMatchesScipy() throws {
        var noise = TestNoise(seed: 11)
        var inputs: [(name: String, x: [Double])] = [
            ("uniform", (0..<300).map { _ in noise.uniform() * 2 - 1 }),
            ("normal", (0..<257).map { _ in noise.gaussian() }),
        ]
        inputs.append(("profile", profileLike(ratio: 0.3, noise: &noise)))
        inputs.append(("profile-faint", profileLike(ratio: 0.05, noise: &noise)))
        var cases: [SavgolCase] = []
        for input in inputs {
            for (window, order) in Self.savgolSettings { cases.append(SavgolCase(window: window, order: order, x: input.x)) }
        }
        cases.append(SavgolCase(window: 11, order: 2, x: Array(inputs[0].x.prefix(11))))  // window = length
        let reference = try JSONDecoder().decode(SavgolReply.self,
            from: runReference("savgol_reference.py", input: JSONEncoder().encode(SavgolRequest(cases: cases))))
        try #require(reference.results.count == cases.count)
        var worst = 0.0
        for (c, expected) in zip(cases, reference.results) {
            let got = try SavitzkyGolay(window: c.window, order: c.order).filtered(c.x)
            let difference = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(got.count == expected.count)
            #expect(difference < 1e-9, "window \(c.window) order \(c.order): max |Δ| \(difference)")
            worst = max(worst, difference)
        }
        print("savgol vs scipy \(reference.scipy): \(cases.count) cases, max |Δ| = \(worst)")
    }

    @Test func asymmetricLeastSquaresMatchesPybaselines() throws {
        var noise = TestNoise(seed: 23)
        let sg = try SavitzkyGolay(window: 11, order: 2)
        let raw = profileLike(ratio: 0.5, noise: &noise)
        let faint = profileLike(ratio: 0.05, noise: &noise)
        let series: [[Double]] = [raw, try sg.filtered(raw), try sg.filtered(faint),
                                  (0..<400).map { i in noise.gaussian() + (abs(i - 200) < 20 ? 8 : 0) }]
        var cases: [AslsCase] = []
        for y in series {
            for (lam, p, iterations) in [(1e5, 0.01, 20), (1e4, 0.001, 50), (1e6, 0.05, 10), (1e7, 0.01, 50), (1e3, 0.1, 3)] {
                cases.append(AslsCase(lam: lam, p: p, max_iter: iterations, tol: 1e-3, y: y))
            }
        }
        let reference = try JSONDecoder().decode(AslsReply.self,
            from: runReference("asls_reference.py", input: JSONEncoder().encode(AslsRequest(cases: cases))))
        try #require(reference.results.count == cases.count)
        var worst: [Double: Double] = [:]
        for (c, expected) in zip(cases, reference.results) {
            var als = try AsymmetricLeastSquares(count: c.y.count, lambda: c.lam, p: c.p, iterations: c.max_iter,
                                                 tolerance: c.tol)
            var baseline: [Double] = []
            let report = try als.fit(c.y, into: &baseline)
            let scale = expected.baseline.map(abs).max() ?? 1
            let relative = zip(baseline, expected.baseline).map { abs($0 - $1) / max(abs($1), 1e-3 * scale) }.max() ?? .infinity
            #expect(report.solves == expected.solves, "λ \(c.lam) p \(c.p): \(report.solves) solves vs \(expected.solves)")
            #expect(relative < 1e-6, "λ \(c.lam) p \(c.p) max_iter \(c.max_iter): relative Δ \(relative)")
            worst[c.lam] = max(worst[c.lam] ?? 0, relative)
        }
        let byLambda = worst.keys.sorted().map { "λ \($0): \(worst[$0] ?? .nan)" }.joined(separator: ", ")
        print("asls vs pybaselines \(reference.pybaselines): \(cases.count) cases, max relative Δ by λ: \(byLambda)")
    }

    /// A CRP-like absorbance profile: 0–25 mm by 50 µm, curved background, control line at
    /// 16 mm (0.45 high, 0.8 mm FWHM), test line at 9 mm, reader noise 0.002.
    private func profileLike(ratio: Double, noise: inout TestNoise) -> [Double] {
        let sigma = 0.8 / 2.354_820_045
        func line(_ x: Double, _ centre: Double, _ height: Double) -> Double {
            height * exp(-0.5 * (x - centre) * (x - centre) / (sigma * sigma))
        }
        return (0...500).map { i in
            let x = Double(i) * 0.05, u = x - 12.5
            let background = 0.1 + 0.002 * u + 0.0001 * u * u
            return background + line(x, 16, 0.45) + line(x, 9, ratio * 0.45) + 0.002 * noise.gaussian()
        }
    }
}

private struct SavgolCase: Codable { var window: Int; var order: Int; var x: [Double] }
private struct SavgolRequest: Codable { var cases: [SavgolCase] }
private struct SavgolReply: Codable { var scipy: String; var results: [[Double]] }
private struct AslsCase: Codable { var lam: Double; var p: Double; var max_iter: Int; var tol: Double; var y: [Double] }
private struct AslsRequest: Codable { var cases: [AslsCase] }
private struct AslsReply: Codable {
    struct Result: Codable { var baseline: [Double]; var solves: Int }
    var pybaselines: String
    var results: [Result]
}

