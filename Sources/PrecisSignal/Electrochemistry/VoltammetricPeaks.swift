import PrecisCore

/// Which way the peaks of a voltammogram point.
public enum PeakPolarity: String, Sendable, Codable {
    /// Peaks are current maxima (anodic / oxidation, the usual DPV and SWV sign).
    case positive
    /// Peaks are current minima (cathodic / reduction).
    case negative
}

/// How the baseline under a peak is drawn.
public enum PeakBaseline: String, Sendable, Codable {
    /// The tangent baseline: the straight line that touches the curve once on each flank with
    /// the whole peak above it (the lower convex hull edge spanning the apex, see `VoltammetricPeakFinder`).
    case tangent
    /// No baseline: heights over zero current, areas over zero between the samples bounding the
    /// peak's territory (for curves already baseline-corrected).
    case none
}

/// Settings of the peak search.
public struct VoltammetricPeakOptions: Sendable, Codable, Equatable {
    /// Which way peaks point.
    public var polarity: PeakPolarity = .positive
    /// The baseline method.
    public var baseline: PeakBaseline = .tangent
    /// Peaks whose height over the baseline is not above this are dropped, A.
    public var minimumHeight = 0.0
    /// Peaks lower than this fraction of the curve's current span (max − min) are dropped, so
    /// rounding ripples on flat stretches are not peaks. 0 keeps every local maximum.
    public var minimumRelativeHeight = 1e-3
    /// The default options: positive peaks, tangent baseline, peaks above 0.1 % of the span.
    public init() {}
}

/// One peak of a voltammogram. Heights and areas are magnitudes in the direction of the polarity.
public struct VoltammetricPeak: Sendable, Codable, Equatable {
    /// Potential of the maximum of the baseline-corrected current, V (parabolic interpolation).
    public var potential: Double
    /// Height over the baseline at `potential`, A.
    public var height: Double
    /// Area between curve and baseline from `startPotential` to `endPotential`, A·V.
    public var area: Double
    /// Where the baseline touches the curve before the peak, V.
    public var startPotential: Double
    /// Where the baseline touches the curve after the peak, V.
    public var endPotential: Double
    /// The baseline current under the peak at `potential`, A (signed, as measured).
    public var baselineCurrent: Double
}

/// Finds voltammetric peaks on one sweep (potentials strictly monotonic).
///
/// Method, for each local maximum k of the current (after turning negative peaks up):
/// 1. The peak's territory is bounded, on each side, by the nearest sample higher than k
///    (the topographic-prominence rule), or the end of the sweep.
/// 2. The baseline is the edge of the lower convex hull of the territory that spans k: the
///    line touching the curve once on each flank with every sample between above or on it
///    (a tangent baseline). For a peak on a straight background it is that background.
/// 3. The peak is the maximum of current minus baseline, refined by the parabola through it and
///    its two neighbours; the area is the trapezoidal integral of current minus baseline between
///    the two touching points.
/// Local maxima sharing one baseline edge are one peak. Peaks are returned by potential.
public enum VoltammetricPeakFinder {
    /// The peaks of one sweep. Throws `.input` for mismatched lengths, fewer than 3 points,
    /// non-finite values or potentials that are not strictly monotonic.
    public static func peaks(potentials: [Double], currents: [Double],
                             options: VoltammetricPeakOptions = VoltammetricPeakOptions()) throws -> [VoltammetricPeak] {
        try validate(potentials, currents)
        let reversed = potentials[0] > potentials[potentials.count - 1]
        let x = reversed ? Array(potentials.reversed()) : potentials
        let sign = options.polarity == .positive ? 1.0 : -1.0
        let y = (reversed ? Array(currents.reversed()) : currents).map { $0 * sign }
        var edges = Set<Int>(), found: [VoltammetricPeak] = []
        let span = (y.max() ?? 0) - (y.min() ?? 0)
        let threshold = max(options.minimumHeight, options.minimumRelativeHeight * span)
        for k in 1..<(x.count - 1) where y[k] > y[k - 1] && y[k] >= y[k + 1] {
            let (lo, hi) = territory(y, apex: k)
            let (a, b) = options.baseline == .tangent ? tangentEdge(x, y, apex: k, lo: lo, hi: hi) : (lo, hi)
            guard a < k, b > k, edges.insert(a * x.count + b).inserted else { continue }
            let peak = measure(x, y, from: a, to: b, zeroBaseline: options.baseline == .none, sign: sign)
            if peak.height > threshold { found.append(peak) }
        }
        return found.sorted { $0.potential < $1.potential }
    }

    /// The index ranges of the monotonic sweeps of a cyclic scan (split where the direction turns).
    public static func sweeps(_ potentials: [Double]) -> [Range<Int>] {
        guard potentials.count > 1 else { return potentials.isEmpty ? [] : [0..<1] }
        var ranges: [Range<Int>] = [], start = 0, direction = 0.0
        for i in 1..<potentials.count {
            let d = potentials[i] - potentials[i - 1]
            guard d != 0 else { continue }
            if direction != 0, (d > 0) != (direction > 0) {
                ranges.append(start..<i)
                start = i - 1
            }
            direction = d
        }
        ranges.append(start..<potentials.count)
        return ranges
    }

    private static func validate(_ x: [Double], _ y: [Double]) throws {
        guard x.count == y.count else {
            throw PrecisError(.input, "peak search: \(x.count) potentials but \(y.count) currents")
        }
        guard x.count >= 3 else { throw PrecisError(.input, "peak search needs at least 3 points, got \(x.count)") }
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else {
            throw PrecisError(.input, "peak search: a potential or current is not a finite number")
        }
        let up = x[1] > x[0]
        for i in 1..<x.count where (up ? x[i] <= x[i - 1] : x[i] >= x[i - 1]) {
            throw PrecisError(.input, "peak search: potentials are not strictly monotonic at point \(i)",
                              hint: "split a cyclic scan into sweeps first (VoltammetricPeakFinder.sweeps)")
        }
    }

    /// The samples around apex `k` up to (not including) the nearest higher sample on each side.
    private static func territory(_ y: [Double], apex k: Int) -> (Int, Int) {
        var lo = k, hi = k
        while lo > 0, y[lo - 1] <= y[k] { lo -= 1 }
        while hi < y.count - 1, y[hi + 1] <= y[k] { hi += 1 }
        return (lo, hi)
    }

    /// The lower-hull edge (a, b) with a < apex < b over the territory lo...hi.
    private static func tangentEdge(_ x: [Double], _ y: [Double], apex k: Int, lo: Int, hi: Int) -> (Int, Int) {
        var hull: [Int] = []
        for i in lo...hi {
            while hull.count >= 2, cross(x, y, hull[hull.count - 2], hull[hull.count - 1], i) <= 0 { hull.removeLast() }
            hull.append(i)
        }
        for j in 1..<hull.count where hull[j - 1] <= k && hull[j] >= k { return (hull[j - 1], hull[j]) }
        return (k, k)
    }

    /// Positive when o → a → b turns counter-clockwise.
    private static func cross(_ x: [Double], _ y: [Double], _ o: Int, _ a: Int, _ b: Int) -> Double {
        (x[a] - x[o]) * (y[b] - y[o]) - (y[a] - y[o]) * (x[b] - x[o])
    }

    private static func measure(_ x: [Double], _ y: [Double], from a: Int, to b: Int, zeroBaseline: Bool, sign: Double) -> VoltammetricPeak {
        let slope = zeroBaseline ? 0 : (y[b] - y[a]) / (x[b] - x[a])
        let base = { (e: Double) in zeroBaseline ? 0 : y[a] + slope * (e - x[a]) }
        let corrected = (a...b).map { y[$0] - base(x[$0]) }
        var m = 0, area = 0.0
        for j in corrected.indices {
            if corrected[j] > corrected[m] { m = j }
            if j > 0 { area += 0.5 * (corrected[j] + corrected[j - 1]) * (x[a + j] - x[a + j - 1]) }
        }
        var position = x[a + m], height = corrected[m]
        if m > 0, m < corrected.count - 1,
           let vertex = parabolaVertex(x[a + m - 1], corrected[m - 1], x[a + m], corrected[m], x[a + m + 1], corrected[m + 1]) {
            (position, height) = vertex
        }
        return VoltammetricPeak(potential: position, height: height, area: area,
                                startPotential: x[a], endPotential: x[b], baselineCurrent: sign * base(position))
    }

    /// The vertex of the parabola through three points, when it opens downward.
    static func parabolaVertex(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double,
                               _ x2: Double, _ y2: Double) -> (Double, Double)? {
        let d = (x0 - x1) * (x0 - x2) * (x1 - x2)
        guard d != 0 else { return nil }
        let a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / d
        let b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / d
        let c = (x1 * x2 * (x1 - x2) * y0 + x2 * x0 * (x2 - x0) * y1 + x0 * x1 * (x0 - x1) * y2) / d
        guard a < 0 else { return nil }
        let xv = -b / (2 * a)
        guard xv >= min(x0, x2), xv <= max(x0, x2) else { return nil }
        return (xv, c - b * b / (4 * a))
    }
}
