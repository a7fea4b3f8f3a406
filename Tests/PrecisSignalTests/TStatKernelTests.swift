import CVectorMath
import Foundation
import PrecisSignal
import Testing

/// The t-statistic kernel (CVectorMath/tstat.c) is built for the baseline instruction set, AVX2
/// and AVX-512, and the event detector uses the widest the CPU has. Each level this CPU offers
/// must give, bit for bit, the scalar statistics of scrappie's compute_tstat (the transcription
/// in EventDetectorTranscriptionTests), for any count (so the scalar tail after the last full
/// vector too) and any alignment of the first sample.
@Suite struct TStatKernelTests {
    static var levels: [Int32] {
        let available = cvm_tstat_level_available()
        return [Int32(CVM_LEVEL_BASELINE), Int32(CVM_LEVEL_AVX2), Int32(CVM_LEVEL_AVX512)]
            .filter { $0 <= available }
    }

    /// Signals that reach the formula's corners: ordinary strand levels and noise, a flat signal
    /// (zero variance, clamped to FLT_MIN), steps, large and negative currents, and a long read's
    /// large prefix sums (the differences of big numbers).
    static func signals() -> [[Float]] {
        var rng = SystemRandomNumberGenerator()
        var out: [[Float]] = []
        out.append((0..<3000).map { i in Float(80 + 20 * sin(Double(i) / 9)) + Float.random(in: -3...3, using: &rng) })
        out.append([Float](repeating: 101.25, count: 500))
        out.append((0..<800).map { i in (i / 7) % 2 == 0 ? 60 : 140 })
        out.append((0..<800).map { _ in Float.random(in: -2000...2000, using: &rng) })
        out.append((0..<800).map { _ in Float.random(in: -0.001...0.001, using: &rng) })
        var long = (0..<400_000).map { _ in Float.random(in: 900...1100, using: &rng) }
        long.append(contentsOf: (0..<1000).map { i in Float(1000 + (i % 13)) })
        out.append(long)
        return out
    }

    @Test(arguments: [2, 3, 4, 6, 9, 17, 100])
    func everyLevelGivesTheScalarStatistics(window w: Int) {
        #expect(!Self.levels.isEmpty)
        for x in Self.signals() where x.count >= 2 * w {
            let n = x.count
            var sums = [Double](repeating: 0, count: n + 1), squares = sums
            for i in 0..<n {
                sums[i + 1] = sums[i] + Double(x[i])
                squares[i + 1] = squares[i] + Double(x[i] * x[i])
            }
            let expected = Transcription.tstat(sums, squares, n, w)
            // The last 2,000 positions of a long signal are enough: its sums are what is large.
            let first = max(w, n - w - 2000), last = n - w
            for level in Self.levels {
                var got = [Float](repeating: .nan, count: n + 1)
                var i = first, step = 1
                while i <= last {
                    let count = min(step, last - i + 1)
                    got.withUnsafeMutableBufferPointer { out in
                        cvm_tstats_at_level(level, sums, squares, i, count, w, out.baseAddress! + i)
                    }
                    i += count
                    step = step % 37 + 1
                }
                let mismatches = (first...last).filter { got[$0].bitPattern != expected[$0].bitPattern }
                #expect(mismatches.isEmpty, "level \(level), window \(w), \(n) samples: \(mismatches.count) differ, first at \(mismatches.first ?? -1)")
            }
        }
    }

    @Test func theDetectorUsesTheWidestLevelUnlessAskedForLess() {
        let names = ["baseline", "AVX2", "AVX-512"]
        let asked = ProcessInfo.processInfo.environment["PRECIS_VECTOR_LEVEL"]
        if asked == nil {
            #expect(EventDetector.vectorLevel == names[Int(cvm_tstat_level_available())])
        }
        #expect(names.contains(EventDetector.vectorLevel))
    }
}
