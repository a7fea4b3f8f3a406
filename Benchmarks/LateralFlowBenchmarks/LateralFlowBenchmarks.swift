import Benchmark
import PrecisCore
import PrecisDrivers

/// The lateral-flow path's hot spots: decoding a scan's frames.
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
}
