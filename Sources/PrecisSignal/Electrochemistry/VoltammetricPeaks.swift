import PrecisCore

/// Which way the peaks of a voltammogram point.
public enum PeakPolarity: String, Sendable, Codable {
    /// Peaks are current maxima (anodic / oxidation, the usual DPV and SWV sign).
    case positive
    /// Peaks are current minima (cathodic / reduction).
    case negative
}

/// How the baseline under a peak is drawn.
public enum PeakBaseline: String, Sendable, Codable, CaseIterable {
    /// The valley baseline (the default): the straight line between the points that bound the
    /// peak, as PSTrace and the PalmSens SDK draw it (their `Peak.LeftX/LeftY` and
    /// `RightX/RightY` are "the left/right side of the peak baseline"; PalmSens SDK,
    /// `pypalmsens/_data/peak.py` and the "Peak Properties" section of its "Working with Data"
    /// guide). With PSTrace's bounds (`PeakBounds.vendor`) each peak has its own line between its
    /// own bounds. With Precis's (`PeakBounds.valley`), where two peaks overlap, the valley between
    /// them lies above the line joining the valleys where the curve returns to its background;
    /// there the baseline is that line and the two peaks are split by a perpendicular at the
    /// valley, so no charge is counted twice.
    case valley
    /// The tangent baseline: the straight line that touches the curve once on each flank, inside
    /// the peak's valleys, with the whole peak above it (the lower convex hull edge spanning the apex).
    case tangent
    /// No baseline: values over zero current, areas over zero between the valleys bounding the
    /// peak (for curves already baseline-corrected).
    case none
}

/// Settings of the peak search.
public struct VoltammetricPeakOptions: Sendable, Codable, Equatable {
    /// Which way peaks point.
    public var polarity: PeakPolarity = .positive
    /// The baseline method.
    public var baseline: PeakBaseline = .valley
    /// Where a peak's bounds fall: at its valleys (Precis's) or on its flanks as PSTrace puts them.
    public var bounds: PeakBounds = .valley
    /// Peaks whose value over the baseline is not above this are dropped, A (PalmSens SDK
    /// `find_peaks(min_peak_height:)`).
    public var minimumHeight = 0.0
    /// Peaks lower than this fraction of the curve's current span (max − min) are dropped, so
    /// rounding ripples on flat stretches are not peaks. 0 keeps every local maximum.
    public var minimumRelativeHeight = 1e-3
    /// Peaks narrower than this at half height are dropped, V (PalmSens SDK `find_peaks(min_peak_width:)`).
    public var minimumWidth = 0.0
    /// Report edge maxima (a start-of-scan transient, a rise cut off by the sweep's end), flagged
    /// `edge`; by default they are not reported (they still bound their neighbours).
    public var includeEdgePeaks = false
    /// The default options: positive peaks, valley baseline, peaks above 0.1 % of the span, no edge maxima.
    public init() {}
}

/// One peak of a voltammogram. Values and areas are magnitudes in the direction of the polarity;
/// currents are signed, as measured.
public struct VoltammetricPeak: Sendable, Codable, Equatable {
    /// Potential of the maximum of the baseline-corrected current, V (parabolic interpolation
    /// between the samples; the vendor reports the sample `apexIndex`).
    public var potential: Double
    /// The peak's value: current at the peak minus the baseline there, A (the vendor's `PeakValue`).
    public var height: Double
    /// Trapezoidal integral of current minus baseline from `startPotential` to `endPotential`, A·V
    /// (the vendor's `Area`, V·µA in PSTrace).
    public var area: Double
    /// The lower potential bound of the peak (a valley, or where a tangent baseline touches), V.
    public var startPotential: Double
    /// The upper potential bound of the peak, V.
    public var endPotential: Double
    /// The baseline current under the peak at `potential`, A (the vendor's `OffsetY`).
    public var baselineCurrent: Double
    /// The measured current at the apex sample, A.
    public var current: Double = 0
    /// The baseline current at `startPotential` and at `endPotential`, A.
    public var startBaseline: Double = 0
    /// The baseline current at `endPotential`, A.
    public var endBaseline: Double = 0
    /// Full width at half height of the baseline-corrected peak, V (linear interpolation; nil when
    /// the corrected current does not fall to half height inside the bounds, e.g. a shoulder).
    public var width: Double?
    /// Sample indices (into the arrays as given) of the apex and the two bounds.
    public var apexIndex = 0, startIndex = 0, endIndex = 0
    /// An edge maximum (a start transient or a rise cut off by the sweep's end); only reported
    /// when `includeEdgePeaks` is set.
    public var edge = false
    /// Split from a neighbour at a valley that is not clearly visible: the valley stands, over
    /// the baseline, above `VoltammetricPeakFinder.visibleValley` of the smaller of the two
    /// peaks. The split is still the vendor's; only its 1 % area promise does not hold.
    public var unresolved = false
}

/// Finds voltammetric peaks on one sweep (potentials strictly monotonic), as PSTrace and the
/// PalmSens SDK define them (`Curve.find_peaks` in the PalmSens SDK; the definitions of a peak's
/// value, baseline sides, area and width in its `Peak` class, cited on `PeakBaseline.valley`).
///
/// Method (after turning negative peaks up and sorting the sweep by potential):
/// 1. Every interior local maximum is a candidate apex; between two neighbouring candidates the
///    valley is their lowest sample, and outside the first and last candidate the lowest sample to
///    the sweep's end. A peak's bounds are the valleys that enclose it, so a bound never passes a
///    neighbouring peak; with `bounds: .vendor` each bound then moves up its flank to where the
///    peak's own baseline touches the curve (`flankBounds`, PSTrace's rule as inferred).
/// 2. The baseline (valley method) with Precis's bounds is the lower convex hull of the valleys:
///    for a lone peak the line between its two valleys; under overlapping peaks, whose shared
///    valley lies above the hull, the hull edge under the group, the group split at the valley.
///    With the vendor's bounds it is the line between the peak's own two bounds.
/// 3. value = current at the apex minus the baseline there (parabola through the apex and its
///    neighbours); area = trapezoidal integral of current minus baseline between the bounds;
///    width = full width at half the value.
/// 4. The weakest candidate below `minimumHeight` (or the relative height), or narrower than
///    `minimumWidth`, is merged into its neighbours and the rest measured again, until all pass.
/// 5. An edge maximum — a bound on the sweep's first or last sample and fewer than two samples of
///    that flank below half the value (a start transient, a rise cut off by the end) — is not
///    reported unless `includeEdgePeaks`.
/// 6. Two peaks split at a valley that stands above `visibleValley` (a fifth) of the smaller
///    one's value, both over the baseline, are flagged `unresolved`.
/// Peaks are returned by potential.
///
/// When the valley counts as visible — at or below a fifth of the smaller peak over the
/// baseline — the split at the valley gives each of two overlapping peaks its own area within
/// 1 %, for Gaussian peaks and for the sech² peaks of a reversible couple in DPV/SWV whose heights
/// differ by up to 5:1 (worst 0.8 %, worked out on the continuous shapes at every separation; the
/// tail each peak loses past the valley is then nearly the one it gains). Above it the split moves
/// charge from the smaller peak to the larger: 2 % at 3.5σ for a 5:3 Gaussian pair, whose valley
/// is at 55 % of the smaller peak there. The vendor's software reports such a pair as a base peak
/// and a shoulder; Precis reports both with the valley split, flagged.
public enum VoltammetricPeakFinder {
    /// The highest a valley may stand over the baseline, as a fraction of the smaller of the two
    /// peaks it separates, for the split between them to count as resolved (1 % areas).
    public static let visibleValley = 0.2

    /// The peaks of one sweep. Throws `.input` for mismatched lengths, fewer than 3 points,
    /// non-finite values or potentials that are not strictly monotonic.
    public static func peaks(potentials: [Double], currents: [Double],
                             options: VoltammetricPeakOptions = VoltammetricPeakOptions()) throws -> [VoltammetricPeak] {
        try validate(potentials, currents)
        let n = potentials.count
        let reversed = potentials[0] > potentials[n - 1]
        let x = reversed ? Array(potentials.reversed()) : potentials
        let sign = options.polarity == .positive ? 1.0 : -1.0
        let y = (reversed ? Array(currents.reversed()) : currents).map { $0 * sign }
        let span = (y.max() ?? 0) - (y.min() ?? 0)
        let threshold = max(options.minimumHeight, options.minimumRelativeHeight * span)
        var apexes = localMaxima(y)
        var measured: [VoltammetricPeak] = []
        while true {
            measured = measure(x, y, apexes: apexes, baseline: options.baseline, bounds: options.bounds)
            let failing = measured.indices.filter {
                measured[$0].height <= threshold || (measured[$0].width.map { $0 < options.minimumWidth } ?? false)
            }
            guard let weakest = failing.min(by: { measured[$0].height < measured[$1].height }) else { break }
            apexes.remove(at: weakest)
        }
        let index = { (i: Int) in reversed ? n - 1 - i : i }
        return measured.filter { options.includeEdgePeaks || !$0.edge }.map { p in
            var q = p
            q.baselineCurrent *= sign; q.current *= sign; q.startBaseline *= sign; q.endBaseline *= sign
            q.apexIndex = index(p.apexIndex)
            (q.startIndex, q.endIndex) = (index(p.startIndex), index(p.endIndex))
            return q
        }
    }

    /// Interior local maxima; a flat top counts once, at its first sample, when the curve falls after it.
    static func localMaxima(_ y: [Double]) -> [Int] {
        var found: [Int] = [], k = 1
        while k < y.count - 1 {
            guard y[k] > y[k - 1] else { k += 1; continue }
            var j = k
            while j < y.count - 1, y[j + 1] == y[k] { j += 1 }
            if j < y.count - 1, y[j + 1] < y[k] { found.append(k) }
            k = j + 1
        }
        return found
    }

    /// The lowest sample in `range` (the first of equals).
    private static func lowest(_ y: [Double], _ range: ClosedRange<Int>) -> Int {
        range.min { y[$0] < y[$1] || (y[$0] == y[$1] && $0 < $1) } ?? range.lowerBound
    }

    /// Every candidate measured between its bounds (`bounds`), with the baseline `method`.
    private static func measure(_ x: [Double], _ y: [Double], apexes: [Int], baseline method: PeakBaseline,
                                bounds mode: PeakBounds) -> [VoltammetricPeak] {
        guard !apexes.isEmpty else { return [] }
        let n = y.count
        var valleys = [lowest(y, 0...(apexes[0] - 1))]
        for (a, b) in zip(apexes, apexes.dropFirst()) { valleys.append(lowest(y, (a + 1)...(b - 1))) }
        valleys.append(lowest(y, (apexes[apexes.count - 1] + 1)...(n - 1)))
        let hull = baselinePoints(x, y, apexes: apexes, valleys: valleys)
        let slope = mode == .vendor ? sevenPointSlope(x, y) : []
        return apexes.indices.map { i -> VoltammetricPeak in
            let lo = valleys[i], hi = valleys[i + 1], k = apexes[i]
            let hullLine = zip(hull, hull.dropFirst()).first { $0.0 <= lo && $0.1 >= hi } ?? (lo, hi)
            var bounds = (lo, hi), line = hullLine
            if mode == .vendor { bounds = flankBounds(x, y, slope: slope, apex: k, valleys: (lo, hi)); line = bounds }
            switch method {
            case .valley: break
            case .tangent:
                let edge = tangentEdge(x, y, apex: k, lo: bounds.0, hi: bounds.1)
                line = edge.0 < k && edge.1 > k ? edge : bounds
                bounds = line
            case .none: line = (-1, -1)
            }
            var peak = measure(x, y, apex: k, from: bounds.0, to: bounds.1, line: line)
            // Whether the peak is an edge maximum is decided between its valleys, whatever its bounds.
            let edgeLine = mode == .valley || method == .none ? line : hullLine
            let atValleys = mode == .valley ? peak : measure(x, y, apex: k, from: lo, to: hi, line: edgeLine)
            peak.edge = isEdge(atValleys, y: y, x: x, line: edgeLine, n: n)
            return peak
        }.flaggingUnresolved(y)
    }

    /// The valleys the valley baseline runs through, ascending: the lower convex hull of the
    /// valleys. The outer valley of an edge maximum (a low first sample before a start transient)
    /// is left out of the hull: it is no background, and a line through it would pass under the
    /// real peaks' valleys and join them into one group.
    private static func baselinePoints(_ x: [Double], _ y: [Double], apexes: [Int], valleys: [Int]) -> [Int] {
        let n = y.count
        func cut(_ apex: Int, _ end: Int) -> Bool {       // fewer than two samples below half the rise from `end`
            let half = (y[apex] + y[end]) / 2
            return stride(from: end, to: apex, by: end < apex ? 1 : -1).dropFirst().filter { y[$0] < half }.count < 2
        }
        var usable = valleys
        if usable.count > 2, usable[0] == 0, cut(apexes[0], 0) { usable.removeFirst() }
        if usable.count > 2, usable[usable.count - 1] == n - 1, cut(apexes[apexes.count - 1], n - 1) { usable.removeLast() }
        var hull: [Int] = []
        for i in usable {
            while hull.count >= 2, cross(x, y, hull[hull.count - 2], hull[hull.count - 1], i) <= 0 { hull.removeLast() }
            hull.append(i)
        }
        var points = Set(hull)
        if let first = valleys.first, first < (hull.first ?? 0) { points.insert(first) }
        if let last = valleys.last, last > (hull.last ?? n) { points.insert(last) }
        return points.sorted()
    }

    /// An edge maximum: a bound on the sweep's first or last sample, with fewer than two samples of
    /// that flank (between the bound and the apex) below half the peak's value.
    private static func isEdge(_ p: VoltammetricPeak, y: [Double], x: [Double], line: (Int, Int), n: Int) -> Bool {
        func low(_ range: Range<Int>) -> Int {
            range.filter { y[$0] - baseline(x, y, line, x[$0]) < p.height / 2 }.count
        }
        if p.startIndex == 0, low(1..<max(1, p.apexIndex)) < 2 { return true }
        if p.endIndex == n - 1, low(min(p.apexIndex + 1, n - 1)..<(n - 1)) < 2 { return true }
        return false
    }

    /// The baseline through samples `line` at potential `e` (zero for no baseline, `line.0 < 0`).
    private static func baseline(_ x: [Double], _ y: [Double], _ line: (Int, Int), _ e: Double) -> Double {
        guard line.0 >= 0, line.1 > line.0 else { return line.0 >= 0 ? y[line.0] : 0 }
        return y[line.0] + (y[line.1] - y[line.0]) / (x[line.1] - x[line.0]) * (e - x[line.0])
    }
    /// The index ranges of the monotonic sweeps of a cyclic scan (split where the direction turns;
    /// a vertex written twice ends the one sweep at its first sample and begins the next at its last).
    public static func sweeps(_ potentials: [Double]) -> [Range<Int>] {
        guard potentials.count > 1 else { return potentials.isEmpty ? [] : [0..<1] }
        var ranges: [Range<Int>] = [], start = 0, direction = 0.0, reached = 0
        for i in 1..<potentials.count {
            let d = potentials[i] - potentials[i - 1]
            guard d != 0 else { continue }                // a vertex written twice stays out of both sweeps' interiors
            if direction != 0, (d > 0) != (direction > 0) {
                ranges.append(start..<(reached + 1))
                start = i - 1
            }
            direction = d
            reached = i
        }
        ranges.append(start..<max(reached + 1, start + 1))
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

    /// One peak with apex `k`, bounds a...b and the baseline through samples `line`.
    private static func measure(_ x: [Double], _ y: [Double], apex k: Int, from a: Int, to b: Int, line: (Int, Int)) -> VoltammetricPeak {
        let base = { (e: Double) in baseline(x, y, line, e) }
        let corrected = (a...b).map { y[$0] - base(x[$0]) }
        var area = 0.0
        for j in corrected.indices.dropFirst() { area += 0.5 * (corrected[j] + corrected[j - 1]) * (x[a + j] - x[a + j - 1]) }
        let m = corrected.indices.max { corrected[$0] < corrected[$1] } ?? (k - a)
        var position = x[a + m], height = corrected[m]
        if m > 0, m < corrected.count - 1,
           let vertex = parabolaVertex(x[a + m - 1], corrected[m - 1], x[a + m], corrected[m], x[a + m + 1], corrected[m + 1]) {
            (position, height) = vertex
        }
        var peak = VoltammetricPeak(potential: position, height: height, area: area, startPotential: x[a], endPotential: x[b],
                                    baselineCurrent: base(position))
        peak.current = y[a + m]
        peak.startBaseline = base(x[a])
        peak.endBaseline = base(x[b])
        peak.width = halfWidth(x, corrected, offset: a, apex: m, half: corrected[m] / 2)
        (peak.apexIndex, peak.startIndex, peak.endIndex) = (a + m, a, b)
        return peak
    }

    /// Full width at `half` of the corrected current around its maximum `apex` (nil when a flank
    /// does not fall to `half` inside the bounds).
    private static func halfWidth(_ x: [Double], _ c: [Double], offset: Int, apex: Int, half: Double) -> Double? {
        guard half > 0 else { return nil }
        var l = apex, r = apex
        while l > 0, c[l] > half { l -= 1 }
        while r < c.count - 1, c[r] > half { r += 1 }
        guard c[l] <= half, c[r] <= half, l < apex, r > apex else { return nil }
        func cross(_ i: Int, _ j: Int) -> Double {   // between samples i (≤ half) and j (> half)
            let t = (half - c[i]) / (c[j] - c[i])
            return x[offset + i] + t * (x[offset + j] - x[offset + i])
        }
        return cross(r, r - 1) - cross(l, l + 1)
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

extension Array where Element == VoltammetricPeak {
    /// Neighbours that share a valley standing above `visibleValley` of the smaller one, flagged
    /// `unresolved` (in the finder's sorted, sign-turned frame: `y` as it searched).
    func flaggingUnresolved(_ y: [Double]) -> [VoltammetricPeak] {
        var peaks = self
        for j in peaks.indices.dropLast() where peaks[j].endIndex == peaks[j + 1].startIndex {
            let valley = y[peaks[j].endIndex] - peaks[j].endBaseline, smaller = Swift.min(peaks[j].height, peaks[j + 1].height)
            guard smaller > 0, valley > VoltammetricPeakFinder.visibleValley * smaller else { continue }
            peaks[j].unresolved = true
            peaks[j + 1].unresolved = true
        }
        return peaks
    }
}
