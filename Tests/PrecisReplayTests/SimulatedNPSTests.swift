import Foundation
import PrecisCore
import PrecisDrivers
@testable import PrecisReplay
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

    /// The packet filler copies a channel's frames a run at a time; every packet must hold
    /// exactly the samples the one-sample statement (`NPSStreamer.next`) gives, through reads
    /// shorter and longer than a packet, gaps, channels without reads, without a pore or
    /// saturated, and the same packet flagged last.
    @Test func packetsFilledARunAtATimeHoldTheSamplesOfTheOneSampleStatement() {
        let identity = NPSIdentity(serial: "T", firmware: "1", model: "t", flowCellID: "F", channels: 6, sampleRate: 5000,
                                   framesPerPacket: 7, adcMin: .min, adcMax: .max)
        let calibrations = (0..<6).map { _ in ChannelCalibration(digitisation: 8192, offset: 10, range: 1400) }
        let read = { (n: Int, seed: UInt64) in SyntheticNanopore.read(length: n, digitisation: 8192, offset: 10, range: 1400, seed: seed) }
        let scripts = [NPSChannelScript(reads: [read(1, 1), read(3, 2), read(20, 3), read(9, 4)]), NPSChannelScript(),
                       NPSChannelScript(kind: .noPore), NPSChannelScript(kind: .saturated),
                       NPSChannelScript(reads: [read(1500, 5)]), NPSChannelScript(reads: [read(14, 6), read(7, 7)])]
        func streamer() -> NPSStreamer {
            NPSStreamer(identity: identity, calibrations: calibrations, scripts: scripts, gap: 4, openPore: 230, realTime: false,
                        dropSequences: [], unplugAfterPackets: nil, seed: 7)
        }
        let filled = streamer(), reference = streamer()
        let size = NPSProtocol.streamHeaderSize + 2 * 6 * 7
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        var packets = 0, lastAt: Int?
        while lastAt == nil && packets < 1000 {
            let last = filled.fill(buffer)
            let samples = buffer.baseAddress!.advanced(by: NPSProtocol.streamHeaderSize).assumingMemoryBound(to: Int16.self)
            var expected: [Int16] = []
            for _ in 0..<7 { for c in 0..<6 { expected.append(NPSStreamer.next(&reference.players[c])) } }
            #expect(Array(UnsafeBufferPointer(start: samples, count: 42)) == expected, "packet \(packets)")
            let referenceLast = !reference.players.contains { $0.kind == .pore && !$0.done }
            #expect(last == referenceLast, "packet \(packets)")
            packets += 1
            if last { lastAt = packets }
        }
        // The longest script, channel 4's, is 8 + 1500 + 4 samples: packet 216 of 7 frames is the last. By
        // then the open-pore channels have gone round their 1021-sample noise table, inside a packet.
        #expect(lastAt == 216)
    }
}
