import PrecisCore
import RealModule

/// Fractional differintegrals of a uniformly sampled signal (Oldham & Spanier, "The Fractional
/// Calculus", ch. 8: the G1 algorithm).
///
/// The Grünwald–Letnikov (G1) q-th differintegral of f sampled at t = 0, h, 2h, …:
///
///     dᵠf/dtᵠ (t_k) ≈ h^(−q) · Σ_{j=0…k} w_j · f_{k−j},   w_0 = 1,  w_j = w_{j−1} · (j − 1 − q) / j
///
/// (q = ½: the semi-derivative; q = −½: the semi-integral). Its error is first order in h; for a
/// signal that rises smoothly from zero it is almost all a lag: the sum at t_k is the
/// differintegral at t_k − q·h/2 to second order, so `lag` tells where a value belongs (a signal
/// that jumps at t = 0 keeps a first-order error near the start). The weights of q and of r compose to those of q + r exactly
/// (the generating function is (1 − z)^q), so two semi-derivatives are the backward difference.
public enum Differintegral {
    /// The G1 q-th differintegral of `f` with sample spacing `step` (s). O(n²): fine for the few
    /// thousand points of a voltammogram. Throws `.input` for a non-positive or non-finite step.
    public static func grunwald(_ f: [Double], order q: Double, step h: Double) throws -> [Double] {
        guard h.isFinite, h > 0, q.isFinite else { throw PrecisError(.input, "differintegral: the step must be a positive number") }
        guard !f.isEmpty else { return [] }
        var w = [1.0]
        w.reserveCapacity(f.count)
        for j in 1..<f.count { w.append(w[j - 1] * (Double(j) - 1 - q) / Double(j)) }
        let scale = Double.pow(h, -q)
        return f.indices.map { k in
            var sum = 0.0
            for j in 0...k { sum += w[j] * f[k - j] }
            return sum * scale
        }
    }

    /// Where the G1 value at a sample belongs: `q · step / 2` before it (in the sample's units).
    public static func lag(order q: Double, step: Double) -> Double { q * step / 2 }
}

/// The vendor's semi-derivative peak search for LSV and CV (PalmSens SDK
/// `Curve.find_peaks_semiderivative`, which calls `PalmSens.Analysis.SemiDerivativePeakDetection
/// .GetNonOverlappingPeaks`: "Used for detecting non-overlapping peaks in LSV and CV curves", with
/// a minimum peak height, pointing to the neopolarogram for the method). PalmSens publish no
/// formula; Precis takes the textbook one the SDK points to: the semi-derivative of the current in
/// time (G1, `Differintegral`) turns the diffusion-tailed CV peak into a symmetric bell whose
/// maximum, for a reversible couple, lies at E½ on both sweeps (e = n²F²AvC√D / 4RT at θ = 1),
/// with no capacitive baseline to draw: a constant charging current's semi-derivative decays
/// as 1/√t from each switch.
///
/// The sweep must be sampled uniformly (MethodSCRIPT's `meas_loop_cv`/`_lsv`: one potential step
/// every step/scan-rate seconds; a vertex written twice counts as the one sample more it is).
/// Each sweep's semi-derivative is searched in the sweep's direction (`VoltammetricPeakFinder`,
/// between its valleys, edge maxima — the switching transients — left out) and its highest peak
/// reported: its potential (a parabola through the extreme sample and its neighbours, moved back by
/// the G1 lag, a quarter step), its height over the valley baseline of the semi-derivative,
/// A·s^−½, and the measured current at that sample.
extension CyclicVoltammetryAnalyzer {
    /// Each cycle's anodic and cathodic semi-derivative peak (a `CyclicVoltammetryPeak` whose
    /// `height` is in A·s^−½ and whose `baselineFrom`/`baselineTo` are the peak's bounds). Throws
    /// `.input` for mismatched lengths, non-finite values, a scan rate that is not positive, or
    /// potentials that are not uniformly spaced.
    public static func semiDerivativePeaks(potentials e: [Double], currents i: [Double], scanRate: Double,
                                           minimumHeight: Double = 0) throws -> [CyclicVoltammetryCycle] {
        let step = try uniformStep(e, i)
        guard scanRate.isFinite, scanRate > 0 else { throw PrecisError(.input, "semi-derivative: the scan rate must be above 0 V/s") }
        let d = try Differintegral.grunwald(i, order: 0.5, step: step / scanRate)
        var cycles: [CyclicVoltammetryCycle] = []
        for (number, sweep) in VoltammetricPeakFinder.sweeps(e).enumerated() where sweep.count >= 8 {
            let cycle = number / 2 + 1
            if cycles.last?.cycle != cycle { cycles.append(CyclicVoltammetryCycle(cycle: cycle)) }
            let up = e[sweep.upperBound - 1] > e[sweep.lowerBound]
            var options = VoltammetricPeakOptions()
            options.polarity = up ? .positive : .negative
            options.minimumHeight = minimumHeight
            let found = try VoltammetricPeakFinder.peaks(potentials: Array(e[sweep]), currents: Array(d[sweep]), options: options)
            guard let top = found.max(by: { $0.height < $1.height }) else { continue }
            let lag = Differintegral.lag(order: 0.5, step: step) * (up ? 1 : -1)
            let k = sweep.lowerBound + top.apexIndex
            let peak = CyclicVoltammetryPeak(cycle: cycle, direction: up ? .anodic : .cathodic, potential: top.potential - lag,
                                             height: top.height, current: i[k], baselineCurrent: top.baselineCurrent,
                                             baselineFrom: top.startPotential, baselineTo: top.endPotential, apexIndex: k)
            if up { cycles[cycles.count - 1].anodic = peak } else { cycles[cycles.count - 1].cathodic = peak }
        }
        return cycles
    }

    /// The potential step of a uniformly sampled sweep (every step the same size within 5 %, or
    /// zero: a vertex written twice; measured potentials wander by a fraction of a step, PSTrace's
    /// CV example by 1.6 %, while the samples stay evenly spaced in time).
    static func uniformStep(_ e: [Double], _ i: [Double]) throws -> Double {
        guard e.count == i.count else { throw PrecisError(.input, "semi-derivative: \(e.count) potentials but \(i.count) currents") }
        guard e.count >= 8 else { throw PrecisError(.input, "semi-derivative: a sweep needs at least 8 points, got \(e.count)") }
        guard e.allSatisfy(\.isFinite), i.allSatisfy(\.isFinite) else {
            throw PrecisError(.input, "semi-derivative: a potential or current is not a finite number")
        }
        let steps = zip(e, e.dropFirst()).map { abs($1 - $0) }.filter { $0 > 0 }.sorted()
        guard !steps.isEmpty else { throw PrecisError(.input, "semi-derivative: the potential never changes: not a sweep") }
        let step = steps[steps.count / 2]
        for k in 1..<e.count {
            let s = abs(e[k] - e[k - 1])
            guard s == 0 || abs(s - step) <= 0.05 * step else {
                throw PrecisError(.input, "semi-derivative: the potentials are not uniformly spaced (point \(k): step \(s) V, not \(step) V)",
                                  hint: "the G1 semi-derivative needs one sample every step/scan-rate seconds")
            }
        }
        return step
    }
}
