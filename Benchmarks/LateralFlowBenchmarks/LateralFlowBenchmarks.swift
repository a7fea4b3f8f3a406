import Benchmark
import PrecisCore
import PrecisDrivers
import PrecisReplay
import PrecisSignal

/// The lateral-flow path's hot spots: decoding a scan's frames, and analysing a strip.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                                           maxDuration: .seconds(5))

    let wire: [UInt8] = (0..<16).flatMap { frame -> [UInt8] in
        let block = LFRScanBlock(scanID: 1, first: frame * 32, positionsUM: (0..<32).map { UInt16(frame * 1600 + $0 * 50) },
                                 reflectance: (0..<32).map { UInt16(40_000 + $0) })
        return LFRFrame(type: .scanData, seq: UInt8(frame), ref: 2, payload: LFRMessage.scanData(block).payload).encoded()
    }

    Benchmark("LFR decode: one 512-reading scan, 16 frames") { benchmark in
        for _ in benchmark.scaledIterations {
            var decoder = LFRFrameDecoder()
            blackHole(decoder.step(wire))
        }
    }

    let profile = SyntheticStrip.crp(ratio: 0.35).profile()
    let method = LateralFlowMethod(
        controlWindowMM: ValueRange(low: 14, high: 18), testWindowMM: ValueRange(low: 7, high: 11),
        smoothing: .init(window: 11, order: 2), baseline: .init(lambda: 1e5, p: 0.01, iterations: 20),
        minControlHeight: 0.1, minSignalToNoise: 10)

    Benchmark("LFA analysis: one 501-reading CRP strip (SG, ALS, refit, lines)") { benchmark in
        let analyzer = LateralFlowAnalyzer(method: method)
        for _ in benchmark.scaledIterations {
            blackHole(analyzer.analyze(profile))
        }
    }
}
