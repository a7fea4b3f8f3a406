import PrecisCore

/// The points PalmSens' semi-derivative search reports (PalmSens SDK
/// `Curve.find_peaks_semiderivative`; its test on the SDK's CV example asserts 0.284884 V,
/// 15.8404 µA and −0.0223047 V, −15.826 µA). They are not the semi-derivative's maxima
/// (`semiDerivativePeaks`: 0.214 and 0.043 V there) but samples of the current itself: the
/// current's peak over a straight baseline that touches the sweep at the foot of its wave.
///
/// What is known, and what is Precis's. PalmSens publish no definition. **Inferred from the
/// vendor's outputs:** PSTrace's own peaks stored in the SDK's example session `Demo CV DPV EIS
/// IS-C electrode.pssession`, whose first CV scan is the same 437 samples as the CV example, sit
/// at the same two samples (136 and 361) and record their baselines: each is the tangent to the
/// current at one sample before the wave (samples 50 and 283), its slope the 11-point least-squares
/// slope there (6.898104 and 9.403400 µA/V, equal to the stored lines' to 7 digits), and the
/// reported sample is where the current stands highest over that line. **Precis's own rule** is the
/// foot: the sample between the sweep's start and its semi-derivative peak where the 11-point
/// slope is least in size (the flattest stretch of the charging current; samples 24 and 258 on the
/// example). How PSTrace picks its foot is not known; on the example every foot from sample 6 to 54
/// (and 224 to 299 on the way back) gives the vendor's samples, and Precis's lies inside both.
extension CyclicVoltammetryAnalyzer {
    /// Each cycle's anodic and cathodic peak as PalmSens' semi-derivative search reports it: the
    /// sample of the current (potential, measured `current`) that stands highest over the tangent
    /// at the wave's foot; `height` over that tangent in A, `baselineCurrent` the tangent there,
    /// `baselineFrom` the foot's potential and `baselineTo` the peak's. Throws as
    /// `semiDerivativePeaks` does.
    public static func vendorSemiDerivativePeaks(potentials e: [Double], currents i: [Double],
                                                 scanRate: Double, minimumHeight: Double = 0) throws -> [CyclicVoltammetryCycle] {
        let semi = try semiDerivativePeaks(potentials: e, currents: i, scanRate: scanRate)
        let sweeps = VoltammetricPeakFinder.sweeps(e)
        return semi.map { cycle in
            var out = CyclicVoltammetryCycle(cycle: cycle.cycle)
            for found in [cycle.anodic, cycle.cathodic].compactMap({ $0 }) {
                guard let sweep = sweeps.first(where: { $0.contains(found.apexIndex) }),
                      let peak = tangentPeak(e, i, sweep: sweep, wave: found), peak.height > minimumHeight else { continue }
                if peak.direction == .anodic { out.anodic = peak } else { out.cathodic = peak }
            }
            return out
        }
    }

    /// The current's peak over the tangent at the foot of the wave whose semi-derivative peak is `wave`.
    static func tangentPeak(_ e: [Double], _ i: [Double], sweep: Range<Int>, wave: CyclicVoltammetryPeak) -> CyclicVoltammetryPeak? {
        let sign = wave.direction == .anodic ? 1.0 : -1.0
        let feet = (sweep.lowerBound + 5)..<min(wave.apexIndex, sweep.upperBound - 5)
        guard !feet.isEmpty else { return nil }
        let slopes = feet.map { elevenPointSlope(e, i, at: $0) }
        guard let j = slopes.indices.min(by: { abs(slopes[$0]) < abs(slopes[$1]) }) else { return nil }
        let f = feet.lowerBound + j, slope = slopes[j]
        let line = { (k: Int) in i[f] + slope * (e[k] - e[f]) }
        guard let k = ((f + 1)..<sweep.upperBound).max(by: { sign * (i[$0] - line($0)) < sign * (i[$1] - line($1)) }) else { return nil }
        return CyclicVoltammetryPeak(cycle: wave.cycle, direction: wave.direction, potential: e[k], height: sign * (i[k] - line(k)),
                                     current: i[k], baselineCurrent: line(k), baselineFrom: e[f], baselineTo: e[k], apexIndex: k)
    }

    /// The slope of the least-squares line through the eleven samples centred on `k`, A/V.
    public static func elevenPointSlope(_ e: [Double], _ i: [Double], at k: Int) -> Double {
        let window = (k - 5)...(k + 5)
        let me = window.map { e[$0] }.reduce(0, +) / 11, mi = window.map { i[$0] }.reduce(0, +) / 11
        var sei = 0.0, see = 0.0
        for j in window { sei += (e[j] - me) * (i[j] - mi); see += (e[j] - me) * (e[j] - me) }
        return see > 0 ? sei / see : 0
    }
}
