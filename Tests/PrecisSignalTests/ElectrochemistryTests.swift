import Foundation
import PrecisCore
import PrecisSignal
import Testing

private func grid(_ from: Double, _ to: Double, _ step: Double) -> [Double] {
    (0...Int(((to - from) / step).rounded())).map { from + Double($0) * step }
}

private func gaussian(_ e: Double, center: Double, height: Double, sigma: Double) -> Double {
    height * exp(-0.5 * (e - center) * (e - center) / (sigma * sigma))
}

/// Deterministic Gaussian noise (SplitMix64 + Box–Muller).
private struct Noise {
    var state: UInt64
    mutating func next() -> Double {
        func u() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return (Double((z ^ (z >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
        }
        return (-2 * log(u())).squareRoot() * cos(2 * Double.pi * u())
    }
}

/// On a rising background the peak's lower bound is the sweep's start (the curve rises all the
/// way) and its upper one the valley where the tail's fall meets the background's rise (3σ–4σ):
/// that valley sits on the tail, so value and area lose what the line through it cuts off.
@Test func gaussianOnASlopedBaselineGivesPositionHeightAndArea() throws {
    let e = grid(-0.3, 0.7, 0.002)
    let i = e.map { 1e-7 + 5e-7 * $0 + gaussian($0, center: 0.2137, height: 2e-6, sigma: 0.04) }
    let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    #expect(peaks.count == 1)
    let peak = try #require(peaks.first)
    #expect(abs(peak.potential - 0.2137) < 0.001)
    #expect(abs(peak.height / 2e-6 - 1) < 0.005)
    #expect(abs(peak.area / (2e-6 * 0.04 * (2 * Double.pi).squareRoot()) - 1) < 0.015)
    #expect(abs(peak.baselineCurrent - (1e-7 + 5e-7 * 0.2137)) < 0.005 * 2e-6)
    #expect(peak.startPotential == -0.3)
    #expect(peak.endPotential > 0.2137 + 3 * 0.04 && peak.endPotential < 0.2137 + 4 * 0.04)
}

@Test func dpvShapedPeakHasTheSechSquaredArea() throws {
    // Δi = h·sech²(f(E−Ep)/2): area 4h/f.
    let f = 96485.33212 / (8.314462618 * 298.15), h = 1.5e-6
    let e = grid(-0.4, 0.8, 0.001)
    let i = e.map { h / pow(cosh(f * ($0 - 0.175) / 2), 2) }
    let peak = try #require(try VoltammetricPeakFinder.peaks(potentials: e, currents: i).first)
    #expect(abs(peak.potential - 0.175) < 1e-5)
    #expect(abs(peak.height / h - 1) < 1e-4)
    #expect(abs(peak.area / (4 * h / f) - 1) < 1e-3)
}

@Test func twoPeaksAreFoundSeparatelyInPotentialOrder() throws {
    let e = grid(-0.6, 0.6, 0.002)
    let i = e.map { 2e-7 + gaussian($0, center: 0.25, height: 1e-6, sigma: 0.03) + gaussian($0, center: -0.2, height: 3e-6, sigma: 0.03) }
    let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    #expect(peaks.map { ($0.potential * 1000).rounded() } == [-200, 250])
    #expect(abs(peaks[0].height / 3e-6 - 1) < 1e-3)
    #expect(abs(peaks[1].height / 1e-6 - 1) < 1e-3)
}

@Test func cathodicPeaksOnADecreasingSweepMatchTheMirroredCurve() throws {
    let e = grid(-0.3, 0.7, 0.002)
    let i = e.map { 1e-7 + gaussian($0, center: 0.1, height: 2e-6, sigma: 0.05) }
    let up = try #require(try VoltammetricPeakFinder.peaks(potentials: e, currents: i).first)
    var options = VoltammetricPeakOptions()
    options.polarity = .negative
    let down = try #require(try VoltammetricPeakFinder.peaks(potentials: e.reversed(), currents: i.reversed().map { -$0 },
                                                              options: options).first)
    #expect(abs(down.potential - up.potential) < 1e-12)
    #expect(abs(down.height - up.height) < 1e-18)
    #expect(abs(down.area - up.area) < 1e-18)
    #expect(abs(down.baselineCurrent + up.baselineCurrent) < 1e-18)
}

@Test func noiseWigglesBelowTheMinimumHeightAreNotPeaks() throws {
    var noise = Noise(state: 3)
    let e = grid(-0.3, 0.7, 0.002)
    let i = e.map { 1e-7 + gaussian($0, center: 0.2, height: 2e-6, sigma: 0.04) + 2e-9 * noise.next() }
    var options = VoltammetricPeakOptions()
    options.minimumHeight = 1e-7
    let peaks = try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: options)
    #expect(peaks.count == 1)
    #expect(abs(peaks[0].potential - 0.2) < 0.002)
    #expect(abs(peaks[0].height / 2e-6 - 1) < 0.01)
    options.minimumHeight = 0
    options.minimumRelativeHeight = 0
    #expect(try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: options).count > 10)
}

@Test func sweepsSplitACyclicScanAtTheVertices() {
    let e = grid(0, 0.5, 0.1) + grid(0, 0.9, 0.1).map { 0.4 - $0 } + grid(0, 0.4, 0.1).map { -0.4 + $0 }
    let sweeps = VoltammetricPeakFinder.sweeps(e)
    #expect(sweeps == [0..<6, 5..<16, 15..<21])
}

@Test func badInputsAreInputErrors() {
    let cases: [([Double], [Double])] = [([0, 1, 2], [0, 1]), ([0, 1], [0, 1]), ([0, 1, 1, 2], [0, 1, 2, 3]),
                                         ([0, 2, 1], [0, 1, 2]), ([0, .nan, 2], [0, 1, 2])]
    for (e, i) in cases {
        let error = #expect(throws: PrecisError.self) { try VoltammetricPeakFinder.peaks(potentials: e, currents: i) }
        #expect(error?.kind == .input)
    }
}

// MARK: - Steady state

@Test func exponentialDecaySettlesWhereItsDriftMeetsTheTolerance() throws {
    let (plateau, amplitude, tau) = (1e-6, 5e-6, 2.0)
    let t = grid(0, 30, 0.01)
    let i = t.map { plateau + amplitude * exp(-$0 / tau) }
    guard case .settled(let current, let time) = try SteadyStateDetector.detect(times: t, currents: i) else {
        Issue.record("did not settle"); return
    }
    // The window's least-squares slope lies between the derivatives at its two ends, so the
    // settling time lies between where the end derivative and the start derivative meet 1 %.
    let tolerance = 0.01 * plateau, window = 1.0
    let early = tau * log(amplitude * window / (tau * tolerance)) - window
    let late = tau * log(amplitude * window / (tau * tolerance * 1.0001)) + 0.01
    #expect(time >= early && time <= late, "\(time) not in \(early)...\(late)")
    #expect(current > plateau && current < plateau * 1.01)
}

@Test func noisyPlateauSettlesAtItsMean() throws {
    var noise = Noise(state: 11)
    let t = grid(0, 60, 0.05)
    let i = t.map { 2e-6 + 3e-6 * exp(-$0 / 1.5) + 1e-8 * noise.next() }
    var criteria = SteadyStateCriteria()
    criteria.window = 2
    guard case .settled(let current, let time) = try SteadyStateDetector.detect(times: t, currents: i, criteria: criteria) else {
        Issue.record("did not settle"); return
    }
    #expect(time < 15)
    #expect(abs(current / 2e-6 - 1) < 0.005)
}

@Test func cottrellDecayDoesNotSettleInTwoSeconds() throws {
    let t = grid(0.01, 2, 0.01)
    let i = t.map { 1e-5 / $0.squareRoot() }
    guard case .notSettled(let drift, let tolerance) = try SteadyStateDetector.detect(times: t, currents: i) else {
        Issue.record("a Cottrell decay was reported settled"); return
    }
    #expect(drift > tolerance)
}

@Test func steadyStateRefusesBadRecords() {
    let cases: [([Double], [Double])] = [([0, 1, 2], [0, 1]), ([0, 0.1, 0.2], [1, 1, 1]), ([0, 2, 1], [1, 1, 1]),
                                         ([0, 1, 2], [1, .infinity, 1])]
    for (t, i) in cases {
        let error = #expect(throws: PrecisError.self) { try SteadyStateDetector.detect(times: t, currents: i) }
        #expect(error?.kind == .input)
    }
}
