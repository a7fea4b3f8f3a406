import Foundation
import PrecisCore
import PrecisSignal
import Testing

// Synthetic voltammograms with known peaks: Gaussian and Lorentzian shapes on sloping
// baselines, overlapping pairs, a start-of-scan transient and a peak cut by the sweep's end.

private func grid(_ from: Double, _ to: Double, _ step: Double) -> [Double] {
    (0...Int(((to - from) / step).rounded())).map { from + Double($0) * step }
}

private func gaussian(_ e: Double, _ center: Double, _ height: Double, _ sigma: Double) -> Double {
    height * exp(-0.5 * (e - center) * (e - center) / (sigma * sigma))
}

private func lorentzian(_ e: Double, _ center: Double, _ height: Double, _ gamma: Double) -> Double {
    height / (1 + (e - center) * (e - center) / (gamma * gamma))
}

private let sigma = 0.03, root2pi = (2 * Double.pi).squareRoot()

/// Two Gaussians (σ 30 mV) on a baseline sloping 0.2 µA/V, the valley between them visible:
/// equal ones (1.5 µA) from 2.5σ apart, and 2 with 1.2 µA from 4.5σ. Each area is within 1 % of
/// its Gaussian's (the perpendicular at the valley exchanges equal tails, so equal peaks keep their
/// areas even below 5σ, where their valley is above a fifth and they are flagged), the first peak ends where
/// the second begins (at the valley), and the two areas add up to the whole (nothing counted twice).
@Test(arguments: zip([2.5, 3.0, 4.0, 5.0, 4.5, 5.0, 6.0, 7.0], [1.5e-6, 1.5e-6, 1.5e-6, 1.5e-6, 1.2e-6, 1.2e-6, 1.2e-6, 1.2e-6]))
func overlappingPeaksSplitAtTheValleyWithTheirOwnAreas(separation: Double, second h2: Double) throws {
    let e = grid(-0.5, 0.5, 0.001)
    let h1 = h2 == 1.5e-6 ? 1.5e-6 : 2e-6
    let (c1, c2) = (-0.1, -0.1 + separation * sigma)
    let i = e.map { 5e-8 + 2e-7 * $0 + gaussian($0, c1, h1, sigma) + gaussian($0, c2, h2, sigma) }
    let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    try #require(peaks.count == 2, "\(peaks)")
    for (peak, (center, height)) in zip(peaks, [(c1, h1), (c2, h2)]) {
        #expect(abs(peak.area / (height * sigma * root2pi) - 1) < 0.01, "separation \(separation)σ: \(peak.area)")
        #expect(abs(peak.potential - center) < 0.2 * sigma)   // at 2.5σ the two pull each other's maxima 4.5 mV in
    }
    #expect(peaks[0].endPotential == peaks[1].startPotential)
    #expect(peaks[0].endPotential > c1 && peaks[0].endPotential < c2)
    #expect(peaks[0].unresolved == (separation < 5), "\(separation)σ")   // 5:3 at 4.5σ: valley at 20.4 %
    #expect(abs((peaks[0].area + peaks[1].area) / ((h1 + h2) * sigma * root2pi) - 1) < 0.005)
}

/// Closer unequal pairs (3σ–4.25σ): the split at the valley then moves up to a few per cent of the
/// smaller peak's area to the larger one, and both are flagged `unresolved` (their valley stands
/// above a fifth of the smaller peak), but the pair's total stays the whole: no double counting.
@Test(arguments: [3.0, 3.5, 4.0, 4.25])
func closeUnequalPeaksStillCountTheirChargeOnce(separation: Double) throws {
    let e = grid(-0.5, 0.5, 0.001)
    let i = e.map { 5e-8 + 2e-7 * $0 + gaussian($0, -0.1, 2e-6, sigma) + gaussian($0, -0.1 + separation * sigma, 1.2e-6, sigma) }
    let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    try #require(peaks.count == 2)
    #expect(abs((peaks[0].area + peaks[1].area) / (3.2e-6 * sigma * root2pi) - 1) < 0.005)
    #expect(peaks[0].area < 1.05 * 2e-6 * sigma * root2pi && peaks[1].area > 0.9 * 1.2e-6 * sigma * root2pi)
    #expect(peaks.allSatisfy { $0.unresolved }, "\(separation)σ")
}

/// The sech² peak of a reversible couple in DPV/SWV, with the full width at half height of a
/// Gaussian of σ (so separations compare).
private func sech2(_ e: Double, _ center: Double, _ height: Double, _ sigma: Double) -> Double {
    let k = 0.8814 / (1.1774 * sigma), c = cosh(k * (e - center))
    return height / (c * c)
}

/// The 1 % promise and its limit: two Gaussian or sech² peaks whose heights differ by up to 5:1,
/// 2σ to 8σ apart (every quarter σ) on a flat baseline (a sloping one also moves a lone
/// heavy-tailed peak's outer valley in, to where tail and slope meet: 1 % of a sech² peak is
/// left beyond it at 0.2 µA/V, whatever its neighbour). Wherever the finder does not flag them
/// `unresolved` (the valley at or below a fifth of the smaller peak over the baseline) each area is
/// within 1 % of its own shape's; and on the other side of the limit the promise would be false:
/// some flagged pairs are more than 1 % off (the flag is not idle).
@Test(arguments: ["gaussian", "sech2"])
func wherePeaksAreNotFlaggedTheirAreasAreWithinOnePercent(shape: String) throws {
    let e = grid(-0.6, 0.6, 0.001)
    let peak = shape == "gaussian" ? gaussian : sech2
    let truth = { (h: Double) in grid(-0.6, 0.6, 0.001).map { peak($0, 0, h, sigma) }.reduce(0, +) * 0.001 }
    var resolved = 0, flaggedOff = 0
    for ratio in [1.0, 1.2, 5.0 / 3.0, 2.0, 3.0, 5.0] {
        for separation in stride(from: 2.0, through: 8.0, by: 0.25) {
            let (c1, c2) = (-0.1, -0.1 + separation * sigma)
            let i = e.map { 5e-8 + peak($0, c1, ratio * 1e-6, sigma) + peak($0, c2, 1e-6, sigma) }
            let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
            guard peaks.count == 2 else { continue }                    // no valley at all: one peak
            let errors = zip(peaks, [ratio * 1e-6, 1e-6]).map { abs($0.area / truth($1) - 1) }
            if peaks.contains(where: \.unresolved) {
                #expect(peaks.allSatisfy { $0.unresolved })
                if errors.max()! > 0.01 { flaggedOff += 1 }
            } else {
                resolved += 1
                #expect(errors.max()! < 0.01, "\(shape) \(ratio):1 at \(separation)σ: \(errors) areas \(peaks.map(\.area)) truth \(truth(ratio * 1e-6)) \(truth(1e-6)) bounds \(peaks.map { ($0.startPotential, $0.endPotential) })")
            }
        }
    }
    #expect(resolved > 60 && flaggedOff > 5, "resolved \(resolved), flagged and over 1 %: \(flaggedOff)")
}

/// The same pair, reversed and inverted (a cathodic sweep run downwards), gives the same peaks.
@Test func aCathodicDownwardSweepGivesTheMirroredPeaks() throws {
    let e = grid(-0.5, 0.5, 0.001)
    let i = e.map { 5e-8 + 2e-7 * $0 + gaussian($0, -0.1, 2e-6, sigma) + gaussian($0, 0.05, 1.2e-6, sigma) }
    let up = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    var options = VoltammetricPeakOptions()
    options.polarity = .negative
    let down = try VoltammetricPeakFinder.peaks(potentials: e.reversed(), currents: i.reversed().map { -$0 }, options: options)
    #expect(down.count == 2)
    for (d, u) in zip(down, up) {
        #expect(abs(d.area - u.area) < 1e-15 && abs(d.potential - u.potential) < 1e-12)
        #expect(d.apexIndex == e.count - 1 - u.apexIndex)
    }
}

/// A lone Lorentzian (γ 20 mV) on a sloping baseline: its position, its value and its full width
/// at half height (2γ) within one potential step; its area is the Lorentzian's above the line
/// between its two valleys (closed form).
@Test func aLorentzianOnASlopeHasItsPositionValueWidthAndArea() throws {
    let step = 0.002, gamma = 0.02, h = 1.5e-6, c = 0.12
    let e = grid(-0.6, 0.8, step)
    let background = { (x: Double) in 2e-7 - 1e-7 * x }
    let i = e.map { background($0) + lorentzian($0, c, h, gamma) }
    let peak = try #require(try VoltammetricPeakFinder.peaks(potentials: e, currents: i).first)
    #expect(abs(peak.potential - c) < step)
    #expect(abs(peak.height / h - 1) < 0.01)
    let width = try #require(peak.width)
    #expect(abs(width - 2 * gamma) < step)
    // ∫ L over [a, b] minus the trapezoid under the chord of the curve between a and b.
    let (a, b) = (peak.startPotential, peak.endPotential)
    let integral = h * gamma * (atan((b - c) / gamma) - atan((a - c) / gamma))
    let chord = 0.5 * (lorentzian(a, c, h, gamma) + lorentzian(b, c, h, gamma)) * (b - a)
    #expect(abs(peak.area / (integral - chord) - 1) < 0.002)
}

/// A Gaussian's value is the current minus the baseline, its width 2√(2 ln 2)σ.
@Test func aGaussianOnASlopeHasItsValueAndHalfHeightWidth() throws {
    let e = grid(-0.3, 0.7, 0.002)
    let i = e.map { 1e-7 + 5e-7 * $0 + gaussian($0, 0.2137, 2e-6, 0.04) }
    let peak = try #require(try VoltammetricPeakFinder.peaks(potentials: e, currents: i).first)
    #expect(abs(peak.height / 2e-6 - 1) < 5e-3)
    #expect(abs(try #require(peak.width) - 2 * (2 * log(2.0)).squareRoot() * 0.04) < 0.002)
    #expect(abs(peak.current - i[peak.apexIndex]) == 0)
    #expect(abs(peak.current - peak.baselineCurrent - peak.height) < 0.01 * peak.height)
    var tangent = VoltammetricPeakOptions()
    tangent.baseline = .tangent
    let t = try #require(try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: tangent).first)
    #expect(abs(t.height / 2e-6 - 1) < 5e-3)
    #expect(abs(t.area / (2e-6 * 0.04 * root2pi) - 1) < 0.01)
}

/// The start-of-scan transient (two samples up, then the charging decay) is not a peak; asked
/// for, it is reported flagged `edge`, and it bounds the real peak either way.
@Test func aStartTransientIsNotReported() throws {
    let e = grid(-0.8, 0.2, 0.005)
    var i = e.map { 3e-7 + 4e-6 * exp(-($0 + 0.8) / 0.03) + gaussian($0, -0.35, 1e-6, sigma) }
    i[0] = 2e-7                                  // the first sample before the cell charged
    let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    #expect(peaks.count == 1)
    #expect(abs((peaks.first?.potential ?? 0) + 0.35) < 0.005)
    // The low first sample is no background: the baseline stays on the 0.3 µA the peak sits on.
    #expect(abs((peaks.first?.baselineCurrent ?? 0) - 3e-7) < 1e-9)
    #expect(abs((peaks.first?.area ?? 0) / (1e-6 * sigma * root2pi) - 1) < 0.01)
    var options = VoltammetricPeakOptions()
    options.includeEdgePeaks = true
    let all = try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: options)
    #expect(all.map(\.edge) == [true, false])
    #expect(all.first?.apexIndex == 1)
    #expect(all.last == peaks.first.map { var p = $0; p.edge = false; return p })
}

/// A peak whose rise is cut off by the sweep's end is not reported; asked for, it is flagged.
@Test func aPeakCutByTheSweepsEndIsNotReported() throws {
    let e = grid(-0.6, 0.0, 0.005)
    var i = e.map { 1e-7 + gaussian($0, -0.3, 1e-6, sigma) + gaussian($0, 0.008, 3e-6, sigma) }
    i[i.count - 1] = i[i.count - 2] * 0.999      // a last sample just below: an interior maximum
    let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    #expect(peaks.count == 1)
    #expect(abs((peaks.first?.potential ?? 0) + 0.3) < 0.005)
    var options = VoltammetricPeakOptions()
    options.includeEdgePeaks = true
    let all = try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: options)
    #expect(all.map(\.edge) == [false, true])
    #expect(all.last?.endIndex == e.count - 1)
}

/// Bounds never pass a neighbouring peak: three separated peaks, each bound between its neighbours' apexes.
@Test func boundsNeverPassANeighbouringPeak() throws {
    let e = grid(-0.6, 0.6, 0.002)
    let i = e.map { 1e-7 + gaussian($0, -0.3, 1e-6, sigma) + gaussian($0, 0.0, 3e-6, 0.05) + gaussian($0, 0.3, 0.5e-6, sigma) }
    let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    try #require(peaks.count == 3)
    for (left, right) in zip(peaks, peaks.dropFirst()) {
        #expect(left.endPotential < right.potential && right.startPotential > left.potential)
        #expect(left.endPotential == right.startPotential)
    }
}

/// The minimum width drops a one-sample spike that the height alone keeps; the minimum height drops a small peak.
@Test func minimumWidthAndHeightDropNarrowAndSmallPeaks() throws {
    let e = grid(-0.5, 0.5, 0.002)
    var i = e.map { 1e-7 + gaussian($0, 0.1, 2e-6, 0.04) + gaussian($0, -0.3, 0.2e-6, 0.04) }
    i[400] += 1e-6                               // a one-sample spike at +0.3 V
    #expect(try VoltammetricPeakFinder.peaks(potentials: e, currents: i).count == 3)
    var options = VoltammetricPeakOptions()
    options.minimumWidth = 0.02
    let wide = try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: options)
    #expect(wide.count == 2)
    #expect(wide.allSatisfy { ($0.width ?? 0) > 0.02 })
    options.minimumHeight = 0.5e-6
    let high = try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: options)
    #expect(high.map { ($0.potential * 100).rounded() } == [10])
}
