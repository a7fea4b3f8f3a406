import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay

/// A 501-reading strip (0–25 mm, 50 µm) with two dips, deterministic.
func testProfile() -> LineProfile {
    let positions = Array(stride(from: 0, through: 25_000, by: 50))
    let values = positions.map { p -> UInt16 in
        let x = Double(p) / 1000
        let absorbance = 0.08 + 0.3 * exp(-pow(x - 16, 2) / 0.1) + 0.1 * exp(-pow(x - 9, 2) / 0.1)
        return UInt16((65535 * pow(10, -absorbance)).rounded())
    }
    return LineProfile(positionsUM: positions, reflectance: values)
}

/// The CRP scan the assay asks for.
let crpScan = LFRScanRequest(cartridgeID: "CRP26A07:004217", startUM: 0, endUM: 25_000, stepUM: 50,
                             integrationMS: 4, ledPercent: 60)

/// A fast simulator around the test profile.
func fastSimulator(_ configure: (inout SimulatedLFR.Configuration) -> Void = { _ in }) -> SimulatedLFR {
    var config = SimulatedLFR.Configuration(profile: testProfile())
    config.readingInterval = .zero
    configure(&config)
    return SimulatedLFR(config)
}

/// Driver timing short enough for tests, long enough for a loaded machine.
func testTiming() -> LFRDriver.Timing {
    var timing = LFRDriver.Timing()
    timing.reply = .milliseconds(300)
    timing.dataGap = .milliseconds(300)
    return timing
}

/// Collects progress callbacks from the driver's actor.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var blocks: [LFRScanBlock] = []
    func add(_ p: LFRScanProgress) { lock.withLock { blocks.append(p.block) } }
    var readings: Int { lock.withLock { Set(blocks.flatMap { b in (b.first..<b.first + b.reflectance.count) }).count } }
}
