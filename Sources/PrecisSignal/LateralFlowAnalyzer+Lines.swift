import PrecisCore

/// The readings inside the control and test windows, as index ranges.
struct LineWindows: Sendable, Equatable {
    /// Indices of the readings inside the control window.
    var control: ClosedRange<Int>
    /// Indices of the readings inside the test window.
    var test: ClosedRange<Int>

    /// The windows of `method` over `positionsMM`; nil when one holds fewer than 3 readings.
    init?(positionsMM: [Double], method: LateralFlowMethod) {
        guard let control = Self.indices(positionsMM, method.controlWindowMM),
              let test = Self.indices(positionsMM, method.testWindowMM) else { return nil }
        self.control = control
        self.test = test
    }

    /// Whether reading `i` lies in either window.
    func contains(_ i: Int) -> Bool { control.contains(i) || test.contains(i) }

    private static func indices(_ positions: [Double], _ range: ValueRange) -> ClosedRange<Int>? {
        guard let first = positions.firstIndex(where: { $0 >= range.low }),
              let last = positions.lastIndex(where: { $0 <= range.high }), last - first >= 2 else { return nil }
        return first...last
    }
}

/// Where a line lies: its maximum and its integration bounds, as reading indices.
struct LineExtent: Sendable, Equatable {
    /// Index of the maximum.
    var peak: Int
    /// First index integrated.
    var start: Int
    /// Last index integrated.
    var end: Int
}

extension LateralFlowAnalyzer {
    /// The control and test extents on a corrected signal `c`.
    ///
    /// The control line: its maximum in the control window, then the bounds walk outward
    /// while the next reading is above `boundaryFraction` × height (and above 0), stopping
    /// at the window's edge. The test line: its maximum in the test window, integrated over
    /// the control line's extent on each side of it, clipped to the test window. The lines
    /// are printed alike, so a faint test line is integrated over its full width instead of
    /// being cut where it sinks into the noise (which would bias faint lines low), and no
    /// walk over noise lengthens it (which would bias it high). A test line broader than
    /// the control line would be cut at the control line's width.
    static func lineExtents(_ c: [Double], windows: LineWindows) -> (control: LineExtent, test: LineExtent) {
        let control = walk(c, peak: argmax(c, windows.control), in: windows.control)
        let testPeak = argmax(c, windows.test)
        let test = LineExtent(peak: testPeak,
                              start: max(windows.test.lowerBound, testPeak - (control.peak - control.start)),
                              end: min(windows.test.upperBound, testPeak + (control.end - control.peak)))
        return (control, test)
    }

    /// Walks outward from `peak` while the next reading stays above the stopping level.
    static func walk(_ c: [Double], peak: Int, in window: ClosedRange<Int>) -> LineExtent {
        let level = max(boundaryFraction * c[peak], 0)
        var start = peak, end = peak
        while start > window.lowerBound, c[start - 1] > level { start -= 1 }
        while end < window.upperBound, c[end + 1] > level { end += 1 }
        return LineExtent(peak: peak, start: start, end: end)
    }

    /// The index of the largest value of `c` in `range` (the first one on ties).
    static func argmax(_ c: [Double], _ range: ClosedRange<Int>) -> Int {
        var best = range.lowerBound
        for i in range where c[i] > c[best] { best = i }
        return best
    }

    /// Both lines measured on the corrected signal; areas by the trapezoid rule in
    /// absorbance·mm, a negative area (a blank test window) clamped to 0.
    static func measureLines(_ c: [Double], positionsMM x: [Double], windows: LineWindows,
                             noise: Double) -> (control: LinePeak, test: LinePeak) {
        let extents = lineExtents(c, windows: windows)
        func peak(_ e: LineExtent) -> LinePeak {
            var area = 0.0
            for i in e.start..<e.end { area += 0.5 * (c[i] + c[i + 1]) * (x[i + 1] - x[i]) }
            return LinePeak(positionMM: x[e.peak], height: c[e.peak], area: max(area, 0),
                            startMM: x[e.start], endMM: x[e.end], signalToNoise: c[e.peak] / noise)
        }
        return (peak(extents.control), peak(extents.test))
    }

    /// 1.4826 × the median absolute deviation of `c` outside both windows (0 when fewer
    /// than 3 readings lie outside them).
    static func robustNoise(_ c: [Double], outside windows: LineWindows) -> Double {
        let outside = c.indices.filter { !windows.contains($0) }.map { c[$0] }
        guard outside.count >= 3 else { return 0 }
        let centre = median(outside)
        return 1.4826 * median(outside.map { abs($0 - centre) })
    }

    /// The median (mean of the two middle values for an even count); `values` not empty.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid])
    }
}
