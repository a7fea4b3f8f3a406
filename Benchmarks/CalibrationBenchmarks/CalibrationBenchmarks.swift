import Benchmark
import PrecisCore
import PrecisSignal

/// Calibration: a 4PL fit of 8 standards in triplicate (issue 4's benchmark).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                                           maxDuration: .seconds(5))
    let truth = CalibrationModel.fourPL(a: 0.02, b: 1.3, c: 40, d: 2.5)
    var x: [Double] = [], y: [Double] = []
    for (i, dose) in [0.5, 1.5, 5, 15, 40, 100, 250, 600].enumerated() {
        for r in 0..<3 {
            x.append(dose)
            y.append(truth.response(at: dose) * (1 + 0.03 * Double((i * 3 + r) % 5 - 2) / 2))
        }
    }

    Benchmark("4PL fit: 8 standards in triplicate, 1/y² weights") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try CalibrationFitter.fit(.fourPL, x: x, y: y, weighting: .inverseY2))
        }
    }

    Benchmark("5PL fit: 8 standards in triplicate") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try CalibrationFitter.fit(.fivePL, x: x, y: y))
        }
    }
}
