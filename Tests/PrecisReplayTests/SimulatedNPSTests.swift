import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import Testing

/// A sink that counts packets, always has room, and can be watched through a weak reference.
private final class CountingSink: PacketSink, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var packets: Int { lock.withLock { count } }
    func deliver(_ packet: UnsafeRawBufferPointer) -> Bool {
        lock.withLock { count += 1 }
        return true
    }
    func sourceFailed(_ error: PrecisError) {}
    func hasRoom() -> Bool { true }
}

@Suite struct SimulatedNPSTests {
    /// A run's simulator and everything it streamed into are freed once the run lets go of
    /// them. The stream thread's closure once held its streamer for good, and with it the run's
    /// ring: every sequencing run left megabytes behind in a long-lived process (the kiosk).
    @Test func theSimulatorAndItsSinkAreFreedAfterARun() async throws {
        weak var weakSimulator: SimulatedNPS?
        weak var weakSink: CountingSink?
        do {
            var configuration = SimulatedNPS.Configuration()
            configuration.identity.channels = 4
            configuration.realTime = false
            configuration.gapSamples = 100
            configuration.scripts = (0..<4).map { c in
                NPSChannelScript(reads: [SyntheticNanopore.read(length: 800, digitisation: 8192, offset: 10, range: 1400, seed: UInt64(c))])
            }
            let simulator = SimulatedNPS(configuration)
            let sink = CountingSink()
            weakSimulator = simulator
            weakSink = sink
            let driver = NPSDriver(transport: simulator)
            _ = try await driver.startAcquisition(into: sink)
            let deadline = ContinuousClock.now + .seconds(30)
            while !simulator.playbackComplete && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(simulator.playbackComplete)
            _ = try await driver.stopAcquisition()
            await driver.close()
            #expect(sink.packets == Int(simulator.packetsProduced))
            #expect(sink.packets >= (100 + 3 + 800) / 8)
        }
        #expect(weakSimulator == nil)
        #expect(weakSink == nil)
    }
}
