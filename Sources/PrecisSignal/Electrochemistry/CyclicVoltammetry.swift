import PrecisCore

/// Which way a sweep of a voltammogram runs.
public enum SweepDirection: String, Sendable, Codable {
    /// Towards higher potentials: oxidation, anodic peaks (current maxima).
    case anodic
    /// Towards lower potentials: reduction, cathodic peaks (current minima).
    case cathodic
}

/// One peak of a cyclic voltammogram, on one sweep of one cycle.
public struct CyclicVoltammetryPeak: Sendable, Codable, Equatable {
    /// The cycle (1-based: sweeps 1 and 2 are cycle 1, 3 and 4 cycle 2, …).
    public var cycle: Int
    /// The sweep's direction: an anodic sweep's peak is anodic (ipa > 0), a cathodic one's cathodic.
    public var direction: SweepDirection
    /// The peak potential (Epa or Epc), V: the sample where current minus baseline is extreme.
    public var potential: Double
    /// The peak current over the baseline, A, a magnitude (ipa, or |ipc|).
    public var height: Double
    /// The measured current at the peak potential's sample, A (signed).
    public var current: Double
    /// The baseline current at `potential`, A (signed): the line fitted to the capacitive region
    /// before the peak, extrapolated.
    public var baselineCurrent: Double
    /// The capacitive region the baseline was fitted to: its first and last potential, V.
    public var baselineFrom: Double, baselineTo: Double
    /// The sample index of the peak in the curve as given.
    public var apexIndex: Int
}

/// A cycle's anodic and cathodic peak and what follows from them.
public struct CyclicVoltammetryCycle: Sendable, Codable, Equatable {
    /// The cycle (1-based).
    public var cycle: Int
    /// The anodic and the cathodic peak (the largest of each sweep), when there is one.
    public var anodic: CyclicVoltammetryPeak?, cathodic: CyclicVoltammetryPeak?
    /// ΔEp = Epa − Epc, V.
    public var peakSeparation: Double? {
        guard let anodic, let cathodic else { return nil }
        return anodic.potential - cathodic.potential
    }
    /// E½ = (Epa + Epc) / 2, V (the reversible couple's half-wave potential).
    public var halfWavePotential: Double? {
        guard let anodic, let cathodic else { return nil }
        return (anodic.potential + cathodic.potential) / 2
    }
    /// ipa / ipc (magnitudes): 1 for a chemically reversible couple.
    public var peakCurrentRatio: Double? {
        guard let anodic, let cathodic, cathodic.height > 0 else { return nil }
        return anodic.height / cathodic.height
    }
}

/// Peaks of a cyclic voltammogram, per cycle and direction.
///
/// The usual CV practice (and PSTrace's: its CV peak search looks in every direction of the
/// curve, PalmSens SDK `Curve.find_peaks`, "CV can have 1 or 2 direction changes"): each sweep is
/// searched in its own direction, anodic peaks (maxima) on a sweep towards higher potentials,
/// cathodic peaks (minima) on one towards lower potentials. The baseline of a peak is not drawn
/// to the switching potential: it is the straight line fitted (least squares) to the capacitive
/// region before the peak — from just after the sweep's start (the first `skipFraction` of the
/// sweep left out, where the current still settles from the switch) to the foot of the peak, where
/// the current first departs from that region by more than `footFraction` of the peak — and
/// extrapolated under the peak.
public enum CyclicVoltammetryAnalyzer {
    /// The share of a sweep skipped at its start before the capacitive region.
    public static let skipFraction = 0.02
    /// The share of the peak's rise (over the sweep's first current) that ends the capacitive region.
    public static let footFraction = 0.05

    /// Every cycle's anodic and cathodic peak. Throws `.input` for mismatched lengths, non-finite
    /// values or fewer than 8 points a sweep.
    public static func analyze(potentials: [Double], currents: [Double]) throws -> [CyclicVoltammetryCycle] {
        guard potentials.count == currents.count else {
            throw PrecisError(.input, "CV: \(potentials.count) potentials but \(currents.count) currents")
        }
        guard potentials.allSatisfy(\.isFinite), currents.allSatisfy(\.isFinite) else {
            throw PrecisError(.input, "CV: a potential or current is not a finite number")
        }
        var cycles: [CyclicVoltammetryCycle] = []
        for (number, sweep) in VoltammetricPeakFinder.sweeps(potentials).enumerated() where sweep.count >= 8 {
            let cycle = number / 2 + 1
            if cycles.last?.cycle != cycle { cycles.append(CyclicVoltammetryCycle(cycle: cycle)) }
            let up = potentials[sweep.upperBound - 1] > potentials[sweep.lowerBound]
            guard let peak = peak(potentials, currents, sweep, direction: up ? .anodic : .cathodic, cycle: cycle) else { continue }
            if up { cycles[cycles.count - 1].anodic = peak } else { cycles[cycles.count - 1].cathodic = peak }
        }
        return cycles
    }

    /// The largest peak of one sweep over its extrapolated capacitive baseline.
    static func peak(_ e: [Double], _ i: [Double], _ sweep: Range<Int>, direction: SweepDirection, cycle: Int) -> CyclicVoltammetryPeak? {
        let sign = direction == .anodic ? 1.0 : -1.0
        let x = Array(e[sweep]), y = i[sweep].map { $0 * sign }
        let n = x.count, start = max(1, Int((Double(n) * skipFraction).rounded()))
        // The apex: the highest interior sample (after the skipped start).
        guard let k = (start..<(n - 1)).max(by: { y[$0] < y[$1] }), y[k] > y[start] else { return nil }
        let rise = y[k] - y[start]
        // The capacitive region: from `start` until the current leaves a line through the first samples by 5 % of the rise.
        var foot = min(start + 2, k)
        let seed = fit(x, y, start...foot)
        while foot < k, abs(y[foot + 1] - (seed.0 + seed.1 * x[foot + 1])) <= footFraction * rise { foot += 1 }
        guard foot > start else { return nil }
        let (a, b) = fit(x, y, start...foot)
        let corrected = (0..<n).map { y[$0] - (a + b * x[$0]) }
        guard let m = (foot..<(n - 1)).max(by: { corrected[$0] < corrected[$1] }), m > 0, corrected[m] > 0 else { return nil }
        // The sample, as the vendor reports it: a parabola through a CV peak's rise and its diffusion
        // tail leans towards the tail and widens ΔEp.
        let potential = x[m], height = corrected[m]
        return CyclicVoltammetryPeak(cycle: cycle, direction: direction, potential: potential, height: height,
                                     current: i[sweep.lowerBound + m], baselineCurrent: sign * (a + b * potential),
                                     baselineFrom: x[start], baselineTo: x[foot], apexIndex: sweep.lowerBound + m)
    }

    /// The least-squares line a + b·x through the samples `range`.
    private static func fit(_ x: [Double], _ y: [Double], _ range: ClosedRange<Int>) -> (Double, Double) {
        let count = Double(range.count)
        let mx = range.map { x[$0] }.reduce(0, +) / count, my = range.map { y[$0] }.reduce(0, +) / count
        var sxy = 0.0, sxx = 0.0
        for j in range { sxy += (x[j] - mx) * (y[j] - my); sxx += (x[j] - mx) * (x[j] - mx) }
        let b = sxx > 0 ? sxy / sxx : 0
        return (my - b * mx, b)
    }
}
