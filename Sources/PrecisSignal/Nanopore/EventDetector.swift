/// One event: a stretch of samples at one current level.
public struct NanoporeEvent: Sendable, Equatable, Codable {
    /// Index of the first sample, from the start of the read.
    public var start: Int
    /// Samples in the event.
    public var length: Int
    /// Mean current (pA).
    public var mean: Float
    /// Standard deviation (pA).
    public var stdv: Float

    /// Makes an event.
    public init(start: Int, length: Int, mean: Float, stdv: Float) {
        self.start = start
        self.length = length
        self.mean = mean
        self.stdv = stdv
    }
}

/// The two-window t-statistic event detector published with ONT's scrappie
/// (src/event_detection.c, MPL-2.0) and used by nanopolish and f5c: two t-statistics of the
/// means either side of each sample, over a short and a long window; a peak detector on each,
/// the short one masking the long; each peak starts an event.
///
/// This is a streaming re-implementation: `push` takes one sample at a time and events come
/// out as their end is found, with memory bounded by the windows. It reproduces the reference
/// exactly, single and double precision where the reference uses them, so the same read gives
/// the same events (Tests/Conformance/EventDetectionConformanceTests).
public struct EventDetector: Sendable {
    /// The detector's parameters.
    public struct Parameters: Sendable, Equatable, Codable {
        /// Short window (samples).
        public var windowLength1: Int
        /// Long window (samples).
        public var windowLength2: Int
        /// Short detector's peak threshold.
        public var threshold1: Float
        /// Long detector's peak threshold.
        public var threshold2: Float
        /// How far a t-statistic must rise and fall to count as a peak.
        public var peakHeight: Float

        /// Makes parameters.
        public init(windowLength1: Int, windowLength2: Int, threshold1: Float, threshold2: Float, peakHeight: Float) {
            self.windowLength1 = windowLength1
            self.windowLength2 = windowLength2
            self.threshold1 = threshold1
            self.threshold2 = threshold2
            self.peakHeight = peakHeight
        }

        /// scrappie's defaults, the values used for R9.4 DNA: windows 3 and 6, thresholds 1.4 and 9.0, peak height 0.2.
        public static let r94DNA = Parameters(windowLength1: 3, windowLength2: 6, threshold1: 1.4, threshold2: 9.0, peakHeight: 0.2)

        /// Nil when usable, otherwise why not.
        public var problem: String? {
            if windowLength1 < 1 || windowLength2 < 1 || windowLength1 > 4096 || windowLength2 > 4096 {
                return "window lengths must be 1…4096 samples"
            }
            if !(threshold1.isFinite && threshold2.isFinite && peakHeight.isFinite) { return "thresholds and peak height must be finite" }
            return nil
        }
    }

    struct Peak {
        let window: Int
        let threshold: Float
        var maskedTo = 0
        var position = -1
        var value = Float.greatestFiniteMagnitude
        var valid = false
        var sum = 0.0
        var sumSquares = 0.0
    }

    /// The parameters in use.
    public let parameters: Parameters
    var short: Peak
    var long: Peak
    let lag: Int
    let mask: Int
    var sums: [Double]
    var squares: [Double]
    /// Samples pushed since the start.
    public private(set) var count = 0
    var next = 0
    var boundary = 0
    var boundarySum = 0.0
    var boundarySquares = 0.0
    var emitted = 0

    /// Makes a detector; the parameters must be usable (`Parameters.problem == nil`).
    public init(parameters: Parameters = .r94DNA) {
        precondition(parameters.problem == nil, parameters.problem ?? "")
        self.parameters = parameters
        short = Peak(window: parameters.windowLength1, threshold: parameters.threshold1)
        long = Peak(window: parameters.windowLength2, threshold: parameters.threshold2)
        lag = max(parameters.windowLength1, parameters.windowLength2)
        var size = 1
        while size < 2 * lag + 2 { size <<= 1 }
        mask = size - 1
        sums = [Double](repeating: 0, count: size)
        squares = [Double](repeating: 0, count: size)
    }

    /// Starts a new read; keeps the buffers.
    public mutating func reset() {
        short = Peak(window: parameters.windowLength1, threshold: parameters.threshold1)
        long = Peak(window: parameters.windowLength2, threshold: parameters.threshold2)
        count = 0
        next = 0
        boundary = 0
        boundarySum = 0
        boundarySquares = 0
        emitted = 0
        sums[0] = 0
        squares[0] = 0
    }

    /// Adds one sample (pA); calls `emit` for each event that this sample completes.
    @inline(__always)
    public mutating func push(_ x: Float, _ emit: (NanoporeEvent) -> Void) {
        let slot = count & mask
        let nextSlot = (count + 1) & mask
        sums[nextSlot] = sums[slot] + Double(x)
        squares[nextSlot] = squares[slot] + Double(x * x)
        count += 1
        while next + lag <= count {
            step(next, total: nil, emit)
            next += 1
        }
    }

    /// Ends the read: processes the last samples and emits the last event.
    public mutating func finish(_ emit: (NanoporeEvent) -> Void) {
        guard count > 0 else { return }
        while next < count {
            step(next, total: count, emit)
            next += 1
        }
        let (s, q) = (sums[count & mask], squares[count & mask])
        emit(Self.event(start: boundary, end: count, boundarySum, boundarySquares, s, q))
    }

    /// Every event of `samples`, as the reference's `detect_events` gives them.
    public static func events(_ samples: [Float], parameters: Parameters = .r94DNA) -> [NanoporeEvent] {
        var detector = EventDetector(parameters: parameters)
        var events: [NanoporeEvent] = []
        for x in samples { detector.push(x) { events.append($0) } }
        detector.finish { events.append($0) }
        return events
    }
}

extension EventDetector {
    /// The t-statistic at sample `i` over windows of `w`, or 0 where the reference leaves it 0.
    @inline(__always)
    func tstat(_ i: Int, _ w: Int, total: Int?) -> Float {
        if i < w || w < 2 { return 0 }
        if let n = total, i > n - w || n < 2 * w { return 0 }
        let wf = Float(w)
        let sum1 = sums[i & mask] - sums[(i - w) & mask]
        let sumsq1 = squares[i & mask] - squares[(i - w) & mask]
        let sum2 = Float(sums[(i + w) & mask] - sums[i & mask])
        let sumsq2 = Float(squares[(i + w) & mask] - squares[i & mask])
        let mean1 = Float(sum1 / Double(wf))
        let mean2 = sum2 / wf
        let combined = Float(sumsq1 / Double(wf) - Double(mean1 * mean1) + Double(sumsq2 / wf) - Double(mean2 * mean2))
        let variance = max(combined, Float.leastNormalMagnitude)
        let delta = mean2 - mean1
        return Float(Double(abs(delta)) / (Double(variance / wf)).squareRoot())
    }

    @inline(__always)
    mutating func step(_ i: Int, total: Int?, _ emit: (NanoporeEvent) -> Void) {
        let t1 = tstat(i, short.window, total: total)
        let t2 = tstat(i, long.window, total: total)
        let (s, q) = (sums[i & mask], squares[i & mask])
        let height = parameters.peakHeight
        let (first, maskTo) = Self.detect(&short, i, t1, s, q, height)
        if let maskTo {
            long.maskedTo = maskTo
            long.position = -1
            long.value = .greatestFiniteMagnitude
            long.valid = false
        }
        if let first { boundaryFound(first.0, first.1, first.2, emit) }
        if let second = Self.detect(&long, i, t2, s, q, height).0 { boundaryFound(second.0, second.1, second.2, emit) }
    }

    /// One step of one detector; returns the boundary it emits, and how far it masks the other
    /// detector when its peak is above threshold (only the short one's mask is used).
    @inline(__always)
    static func detect(_ d: inout Peak, _ i: Int, _ value: Float, _ s: Double, _ q: Double, _ height: Float)
        -> ((Int, Double, Double)?, Int?) {
        if d.maskedTo >= i { return (nil, nil) }
        if d.position == -1 {
            if value < d.value {
                d.value = value
            } else if value - d.value > height {
                d.value = value
                d.position = i
                (d.sum, d.sumSquares) = (s, q)
            }
            return (nil, nil)
        }
        if value > d.value {
            d.value = value
            d.position = i
            (d.sum, d.sumSquares) = (s, q)
        }
        let masks: Int? = d.value > d.threshold ? d.position + d.window : nil
        if d.value - value > height && d.value > d.threshold { d.valid = true }
        guard d.valid && i - d.position > d.window / 2 else { return (nil, masks) }
        let found = (d.position, d.sum, d.sumSquares)
        d.position = -1
        d.value = value
        d.valid = false
        return (found, masks)
    }

    mutating func boundaryFound(_ position: Int, _ s: Double, _ q: Double, _ emit: (NanoporeEvent) -> Void) {
        // A boundary behind the last one (the long detector's late peak) would make an event of negative
        // length in the reference; it is dropped here.
        guard position > boundary else { return }
        emit(Self.event(start: boundary, end: position, boundarySum, boundarySquares, s, q))
        (boundary, boundarySum, boundarySquares) = (position, s, q)
    }

    static func event(start: Int, end: Int, _ s0: Double, _ q0: Double, _ s1: Double, _ q1: Double) -> NanoporeEvent {
        let length = Float(end - start)
        let mean = Float(s1 - s0) / length
        let deltaSquares = Float(q1 - q0)
        let variance = deltaSquares / length - mean * mean
        return NanoporeEvent(start: start, length: end - start, mean: mean, stdv: max(variance, 0).squareRoot())
    }
}
