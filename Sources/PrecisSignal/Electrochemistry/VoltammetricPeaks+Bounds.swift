/// Where the search puts a peak's two bounds (and so its baseline, area and value).
public enum PeakBounds: String, Sendable, Codable, CaseIterable {
    /// Precis's definition (the default): at the valleys that enclose the peak, the lowest sample
    /// between it and each neighbour. Neighbours whose shared valley stands above the line joining
    /// the valleys where the curve returns to its background share that line as their baseline and
    /// are split at the valley (`PeakBaseline.valley`). This is what keeps each of two overlapping
    /// peaks' areas within 1 % of its own while the valley between them is visible, and never counts
    /// charge twice; PSTrace does not promise that, so this stays the default on purpose.
    case valley
    /// PSTrace's bounds, as the PalmSens SDK's `Curve.find_peaks` (the .NET `FindPeaks` PSTrace uses)
    /// reports them: each peak has its own baseline between its own two bounds, and a bound stands
    /// on the flank where that baseline touches the curve, not in a valley the baseline would cut
    /// through. PalmSens document only that the default search "detects peaks using the curve's
    /// derivative" (SDK "Working with data", Peak and level detection) and that a peak records the
    /// maxima of that derivative on its two slopes; which derivative and where the bounds fall are
    /// **inferred from the vendor's outputs**, not documented: the vendor's recorded slope maxima of
    /// its SWV example (23.906 and −44.9518 µA/V) are exactly the 7-point least-squares slope, and
    /// the rule in `VoltammetricPeakFinder.flankBounds` reproduces every bound and value its test
    /// suite asserts on that curve (bounds 25–51, 81–121, 121–164; values 1.4645, 12.2031, 33.2406 µA).
    case vendor
}

extension VoltammetricPeakFinder {
    /// The slope of the least-squares line through the seven samples centred on each sample (nil
    /// for the three at each end), A/V: PSTrace's derivative (a 7-point Savitzky–Golay first
    /// derivative when the potentials are evenly spaced).
    static func sevenPointSlope(_ x: [Double], _ y: [Double]) -> [Double?] {
        y.indices.map { i -> Double? in
            guard i >= 3, i + 3 < y.count else { return nil }
            let window = (i - 3)...(i + 3)
            let mx = window.map { x[$0] }.reduce(0, +) / 7, my = window.map { y[$0] }.reduce(0, +) / 7
            var sxy = 0.0, sxx = 0.0
            for j in window { sxy += (x[j] - mx) * (y[j] - my); sxx += (x[j] - mx) * (x[j] - mx) }
            return sxx > 0 ? sxy / sxx : nil
        }
    }

    /// PSTrace's bounds of the peak with apex `k` (inferred, see `PeakBounds.vendor`), on the
    /// ascending, sign-turned curve. Each bound starts at its valley and moves up its flank towards
    /// the apex while the curve there still lies below the line to the other bound, judged by the
    /// 7-point slope: it stops at the first sample, in increasing potential, where that slope is no
    /// longer below the line's. On the left flank that is the first sample whose slope reaches the
    /// line's; on the right flank, the sample just after the last one steeper (downwards) than the
    /// line. Both bounds are moved in turn until neither moves (the line depends on both); a bound
    /// whose valley already lies on the line stays in its valley.
    static func flankBounds(_ x: [Double], _ y: [Double], slope d: [Double?], apex k: Int, valleys: (Int, Int)) -> (Int, Int) {
        func line(_ a: Int, _ b: Int) -> Double { (y[b] - y[a]) / (x[b] - x[a]) }
        var (lo, hi) = valleys
        for _ in 0..<(valleys.1 - valleys.0 + 1) {
            var left = valleys.0
            while left < k - 1, let s = d[left], s < line(left, hi) { left += 1 }
            var right = valleys.1
            while right > k + 1, let s = d[right - 1], s > line(left, right - 1) { right -= 1 }
            if (left, right) == (lo, hi) { break }
            (lo, hi) = (left, right)
        }
        return (lo, hi)
    }
}
