import CVectorMath

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
    /// Prefix sums of the samples (Σx) and of their squares (Σx²), kept apart so that the
    /// statistics of consecutive samples load as vectors. Prefix index k is at `k - origin`;
    /// when the end nears the capacity, what is still needed moves back to the front.
    var sums: [Double]
    var squares: [Double]
    var origin: Int
    /// Samples pushed since the start.
    public private(set) var count = 0
    var next = 0
    var boundary = 0
    var boundarySum = 0.0
    var boundarySquares = 0.0

    /// Makes a detector; the parameters must be usable (`Parameters.problem == nil`).
    public init(parameters: Parameters = .r94DNA) {
        precondition(parameters.problem == nil, parameters.problem ?? "")
        self.parameters = parameters
        short = Peak(window: parameters.windowLength1, threshold: parameters.threshold1)
        long = Peak(window: parameters.windowLength2, threshold: parameters.threshold2)
        lag = max(parameters.windowLength1, parameters.windowLength2)
        // Room for the window behind `next`, a batch not yet analysed, one more pushed, the
        // windows read past the end, and as much again, so that sums move to the front only
        // every few batches; small, because a run keeps hundreds of detectors.
        let capacity = 2 * (3 * lag + 2 * Self.batch + 8)
        sums = [Double](repeating: 0, count: capacity)
        squares = [Double](repeating: 0, count: capacity)
        origin = -lag
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
        origin = -lag
        sums[lag] = 0
        squares[lag] = 0
    }

    /// Adds one sample (pA); calls `emit` for each event that this sample completes.
    @inline(__always)
    public mutating func push(_ x: Float, _ emit: (NanoporeEvent) -> Void) {
        makeRoom(for: 1)
        let at = count - origin
        sums.withUnsafeMutableBufferPointer { s in
            squares.withUnsafeMutableBufferPointer { q in
                // Σx in double of the float sample, Σx² in double of the float square, as the reference.
                s[at + 1] = s[at] + Double(x)
                q[at + 1] = q[at] + Double(x * x)
            }
        }
        count += 1
        if count - lag - next >= Self.batch - 1 { advance(until: count - lag, total: nil, emit) }
    }

    /// Adds up to `batch` samples at once (the same sums, in the same order, as one by one).
    @inline(__always)
    public mutating func push(contentsOf xs: UnsafeBufferPointer<Float>, _ emit: (NanoporeEvent) -> Void) {
        precondition(xs.count <= Self.batch)
        makeRoom(for: xs.count)
        let at = count - origin
        sums.withUnsafeMutableBufferPointer { s in
            squares.withUnsafeMutableBufferPointer { q in
                var k = at, sum = s[at], square = q[at]
                for x in xs {
                    sum += Double(x)
                    square += Double(x * x)
                    k += 1
                    s[k] = sum
                    q[k] = square
                }
            }
        }
        count += xs.count
        if count - lag - next >= Self.batch - 1 { advance(until: count - lag, total: nil, emit) }
    }

    /// Moves the prefix sums still needed (from `next - lag`) to the front when `n` more, and the
    /// windows read past the end at `finish`, would not fit.
    @inline(__always)
    mutating func makeRoom(for n: Int) {
        guard count - origin + n + lag + 8 > sums.count else { return }
        let from = next - lag - origin, length = count - next + lag + 1
        sums.withUnsafeMutableBufferPointer { s in
            squares.withUnsafeMutableBufferPointer { q in
                s.baseAddress!.update(from: s.baseAddress! + from, count: length)
                q.baseAddress!.update(from: q.baseAddress! + from, count: length)
            }
        }
        origin = next - lag
        // Holds because `push` analyses every full batch at once (count - next < lag + batch).
        precondition(count - origin + n + lag + 8 <= sums.count, "event detector: prefix sums overrun")
    }

    /// Samples whose statistics are computed together, as vectors; events come out at most this
    /// many samples later than they could.
    static let batch = 32

    /// Ends the read: processes the last samples and emits the last event.
    public mutating func finish(_ emit: (NanoporeEvent) -> Void) {
        guard count > 0 else { return }
        advance(until: count - 1, total: count, emit)
        let at = count - origin
        emit(Self.event(start: boundary, end: count, boundarySum, boundarySquares, sums[at], squares[at]))
    }

    /// Every event of `samples`, as the reference's `detect_events` gives them.
    public static func events(_ samples: [Float], parameters: Parameters = .r94DNA) -> [NanoporeEvent] {
        var detector = EventDetector(parameters: parameters)
        var events: [NanoporeEvent] = []
        samples.withUnsafeBufferPointer { all in
            var k = 0
            while k < all.count {   // a batch at a time: the same sums and events as one by one
                let n = min(Self.batch, all.count - k)
                detector.push(contentsOf: UnsafeBufferPointer(rebasing: all[k..<k + n])) { events.append($0) }
                k += n
            }
        }
        detector.finish { events.append($0) }
        return events
    }
}

extension EventDetector {
    /// The instruction set the vector kernels (these t-statistics and `ChannelBank`'s blocks) run
    /// on in this process: the widest of AVX-512, AVX2 and the baseline (SSE2, or NEON on arm64)
    /// that the CPU has, unless the environment's PRECIS_VECTOR_LEVEL asks for a narrower one.
    /// Every level gives the same bits.
    public static var vectorLevel: String {
        switch Int(cvm_tstat_level()) {
        case CVM_LEVEL_AVX512: "AVX-512"
        case CVM_LEVEL_AVX2: "AVX2"
        default: "baseline"
        }
    }

    /// Where the reference computes a statistic rather than leaving it 0.
    @inline(__always)
    static func valid(_ i: Int, _ w: Int, _ total: Int?) -> Bool {
        if i < w || w < 2 { return false }
        if let n = total, i > n - w || n < 2 * w { return false }
        return true
    }

    /// Runs both detectors over samples `next…last` (the reference's loop over i, short then long),
    /// emitting an event at each boundary.
    mutating func advance(until last: Int, total: Int?, _ emit: (NanoporeEvent) -> Void) {
        guard next <= last else { return }
        var short = self.short, long = self.long
        var boundary = self.boundary, boundarySum = self.boundarySum, boundarySquares = self.boundarySquares
        let height = parameters.peakHeight, origin = origin, lag = lag
        let first = next
        let w1 = short.window, w2 = long.window
        sums.withUnsafeBufferPointer { sumBuffer in
        squares.withUnsafeBufferPointer { squareBuffer in
            let s = sumBuffer.baseAddress!, q = squareBuffer.baseAddress!
            // A boundary behind the last one (the long detector's late peak) would make an event of
            // negative length in the reference; it is dropped here.
            func found(_ b: (Int, Double, Double)) {
                guard b.0 > boundary else { return }
                emit(Self.event(start: boundary, end: b.0, boundarySum, boundarySquares, b.1, b.2))
                (boundary, boundarySum, boundarySquares) = b
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * Self.batch) { stats in
            let t1 = stats.baseAddress!, t2 = t1 + Self.batch
            var from = first
            while from <= last {
                let to = min(last, from + Self.batch - 1)
                // The statistics of the whole batch at once, as wide vectors as the CPU has (tstat.h).
                cvm_tstats(s, q, from - origin, to - from + 1, w1, t1)
                cvm_tstats(s, q, from - origin, to - from + 1, w2, t2)
                if from < lag || total != nil || min(w1, w2) < 2 {
                    for i in from...to {
                        if !Self.valid(i, w1, total) { t1[i - from] = 0 }
                        if !Self.valid(i, w2, total) { t2[i - from] = 0 }
                    }
                }
                for i in from...to {
                    let at = i - origin
                    let (b1, maskTo) = Self.detect(&short, i, t1[i - from], s[at], q[at], height)
                    if let maskTo {
                        long.maskedTo = maskTo
                        long.position = -1
                        long.value = .greatestFiniteMagnitude
                        long.valid = false
                    }
                    if let b1 { found(b1) }
                    if let b2 = Self.detect(&long, i, t2[i - from], s[at], q[at], height).0 { found(b2) }
                }
                from = to + 1
            }
            }
        }
        }
        self.short = short
        self.long = long
        (self.boundary, self.boundarySum, self.boundarySquares) = (boundary, boundarySum, boundarySquares)
        next = last + 1
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

    static func event(start: Int, end: Int, _ s0: Double, _ q0: Double, _ s1: Double, _ q1: Double) -> NanoporeEvent {
        let length = Float(end - start)
        let mean = Float(s1 - s0) / length
        let deltaSquares = Float(q1 - q0)
        let variance = deltaSquares / length - mean * mean
        return NanoporeEvent(start: start, length: end - start, mean: mean, stdv: max(variance, 0).squareRoot())
    }
}
