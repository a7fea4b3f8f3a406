import Foundation
import PrecisSignal
import Testing

/// scrappie's detect_events (src/event_detection.c at 5ccddbc) transcribed as plainly as it is
/// written there: whole-read arrays of prefix sums, one scalar t-statistic per sample and
/// window, the two peak detectors, then the events between consecutive peaks. It is the yardstick
/// for the streaming detector's vector arithmetic, ring of prefix sums and chunked input, on
/// signals and parameters that the conformance tables (two parameter sets, one real read) do
/// not reach. One deliberate difference, shared with EventDetector: a peak at or behind the
/// last boundary (the long detector's late peak) starts no event.
enum Transcription {
    static func tstat(_ sums: [Double], _ squares: [Double], _ n: Int, _ w: Int) -> [Float] {
        var t = [Float](repeating: 0, count: n)
        guard n >= 2 * w, w >= 2 else { return t }
        let wf = Float(w)
        for i in w...(n - w) {
            var sum1 = sums[i], sumsq1 = squares[i]
            if i > w {
                sum1 -= sums[i - w]
                sumsq1 -= squares[i - w]
            }
            let sum2 = Float(sums[i + w] - sums[i]), sumsq2 = Float(squares[i + w] - squares[i])
            let mean1 = Float(sum1 / Double(wf)), mean2 = sum2 / wf
            var variance = Float(sumsq1 / Double(wf) - Double(mean1 * mean1) + Double(sumsq2 / wf) - Double(mean2 * mean2))
            variance = fmaxf(variance, .leastNormalMagnitude)
            t[i] = Float(Double(fabsf(mean2 - mean1)) / sqrt(Double(variance / wf)))
        }
        return t
    }

    struct Detector {
        var signal: [Float]
        var threshold: Float
        var window: Int
        var maskedTo = 0, position = -1, value = Float.greatestFiniteMagnitude, valid = false
    }

    static func events(_ x: [Float], _ p: EventDetector.Parameters) -> [NanoporeEvent] {
        let n = x.count
        var sums = [Double](repeating: 0, count: n + 1), squares = sums
        for i in 0..<n {
            sums[i + 1] = sums[i] + Double(x[i])
            squares[i + 1] = squares[i] + Double(x[i] * x[i])
        }
        var detectors = [Detector(signal: tstat(sums, squares, n, p.windowLength1), threshold: p.threshold1, window: p.windowLength1),
                         Detector(signal: tstat(sums, squares, n, p.windowLength2), threshold: p.threshold2, window: p.windowLength2)]
        var peaks: [Int] = []
        for i in 0..<n {
            for k in 0..<2 {
                if detectors[k].maskedTo >= i { continue }
                let current = detectors[k].signal[i]
                var d = detectors[k]
                if d.position == -1 {
                    if current < d.value {
                        d.value = current
                    } else if current - d.value > p.peakHeight {
                        d.value = current
                        d.position = i
                    }
                } else {
                    if current > d.value {
                        d.value = current
                        d.position = i
                    }
                    if k == 0, d.value > d.threshold {
                        detectors[1].maskedTo = d.position + d.window
                        detectors[1].position = -1
                        detectors[1].value = .greatestFiniteMagnitude
                        detectors[1].valid = false
                    }
                    if d.value - current > p.peakHeight && d.value > d.threshold { d.valid = true }
                    if d.valid && i - d.position > d.window / 2 {
                        peaks.append(d.position)
                        d.position = -1
                        d.value = current
                        d.valid = false
                    }
                }
                if k == 0 { detectors[0] = d } else {
                    // The short detector may have masked the long one in this same step: keep that.
                    detectors[1] = d
                }
            }
        }
        var events: [NanoporeEvent] = []
        var start = 0
        func event(_ start: Int, _ end: Int) -> NanoporeEvent {
            let length = Float(end - start)
            let mean = Float(sums[end] - sums[start]) / length
            let deltaSquares = Float(squares[end] - squares[start])
            return NanoporeEvent(start: start, length: end - start, mean: mean,
                                 stdv: sqrtf(fmaxf(deltaSquares / length - mean * mean, 0)))
        }
        for peak in peaks where peak > start && peak < n {
            events.append(event(start, peak))
            start = peak
        }
        events.append(event(start, n))
        return events
    }
}

@Suite struct EventDetectorTranscriptionTests {
    /// Dwell-and-jump signal in pA with Gaussian noise, from a fixed seed.
    static func signal(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func uniform() -> Double {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state >> 11) / Double(1 << 53)
        }
        var out: [Float] = []
        while out.count < n {
            let level = 60 + 60 * uniform(), dwell = 3 + Int(uniform() * 20)
            for _ in 0..<dwell {
                let u = max(uniform(), 1e-12), v = uniform()
                out.append(Float(level + 2.5 * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)))
            }
        }
        return Array(out.prefix(n))
    }

    static let parameterSets: [EventDetector.Parameters] = [
        .r94DNA,
        .init(windowLength1: 4, windowLength2: 8, threshold1: 2, threshold2: 6, peakHeight: 0.5),
        .init(windowLength1: 1, windowLength2: 11, threshold1: 1, threshold2: 4, peakHeight: 0.1),   // a window below 2 is all zeros
        .init(windowLength1: 7, windowLength2: 3, threshold1: 3, threshold2: 3, peakHeight: 1),      // the long window shorter
        .init(windowLength1: 5, windowLength2: 100, threshold1: 1.5, threshold2: 3, peakHeight: 0.2),
    ]

    @Test(arguments: parameterSets.indices)
    func streamingInAnyChunksEqualsTheTranscription(_ set: Int) {
        let parameters = Self.parameterSets[set]
        var detector = EventDetector(parameters: parameters)   // one detector for every read: reset between them
        for (k, length) in [1, 5, 13, 21, 40, 201, 777, 5_000, 60_000].enumerated() {
            let x = Self.signal(length, seed: UInt64(100 * set + k))
            let expected = Transcription.events(x, parameters)
            detector.reset()
            var streamed: [NanoporeEvent] = []
            var at = 0, chunk = k % 5
            x.withUnsafeBufferPointer { all in
                while at < all.count {   // chunks of 1…32 samples in a changing rhythm
                    let m = min(1 + (chunk * 7) % 32, all.count - at)
                    detector.push(contentsOf: UnsafeBufferPointer(rebasing: all[at..<at + m])) { streamed.append($0) }
                    at += m
                    chunk += 1
                }
            }
            detector.finish { streamed.append($0) }
            // Named by the first event that differs, not by thousands of events printed in full.
            let differs = streamed.indices.first { $0 >= expected.count || streamed[$0] != expected[$0] }
                ?? (streamed.count == expected.count ? nil : streamed.count)
            let ours = differs.flatMap { streamed.indices.contains($0) ? "\(streamed[$0])" : nil } ?? "none"
            let theirs = differs.flatMap { expected.indices.contains($0) ? "\(expected[$0])" : nil } ?? "none"
            #expect(differs == nil, "parameters \(set), \(length) samples: \(streamed.count) events, the transcription \(expected.count); event \(differs ?? -1) is \(ours), the transcription's \(theirs)")
            #expect(streamed.reduce(0) { $0 + $1.length } == length)
        }
    }
}
