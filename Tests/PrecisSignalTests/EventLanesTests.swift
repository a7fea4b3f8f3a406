import CVectorMath
import PrecisCore
import PrecisSignal
import Testing

/// `EventLanes` (sixteen reads side by side in the C kernel, lanes refilled as reads end) against
/// `EventDetector` on each read alone: the same events, bit for bit, on every instruction-set
/// level this CPU has.
@Suite struct EventLanesTests {
    /// Reads of raw ADC codes of the given lengths: dwell-and-jump levels with noise, each with its
    /// own calibration.
    static func reads(_ lengths: [Int], seed: UInt64) -> [(raw: [Int16], calibration: ChannelCalibration)] {
        lengths.enumerated().map { k, n in
            let calibration = ChannelCalibration(digitisation: 8192, offset: Double(k % 31), range: 1467.61)
            let pA = EventDetectorTranscriptionTests.signal(n, seed: seed &+ UInt64(k))
            return (pA.map { calibration.raw(picoamperes: Double($0)) }, calibration)
        }
    }

    static let levels: [Int32] = Array(Int32(CVM_LEVEL_BASELINE)...Int32(cvm_tstat_level_available()))

    /// Lengths around the windows (0, 1, shorter than two windows, exactly two), short and long
    /// reads mixed so that lanes end and refill at different rows.
    static let lengths = [0, 1, 2, 5, 6, 7, 11, 12, 13, 24, 200, 201, 1_000, 3_333, 12_000, 40_000, 3, 64, 65, 129]

    func expectSame(_ lanes: [[NanoporeEvent]], _ reads: [(raw: [Int16], calibration: ChannelCalibration)],
                    _ parameters: EventDetector.Parameters, _ label: String) {
        #expect(lanes.count == reads.count)
        for (k, read) in reads.enumerated() {
            let alone = EventDetector.events(read.raw.map(read.calibration.picoamperes), parameters: parameters)
            let differs = lanes[k].indices.first { $0 >= alone.count || lanes[k][$0] != alone[$0] }
                ?? (lanes[k].count == alone.count ? nil : lanes[k].count)
            #expect(differs == nil, "\(label), read \(k) of \(read.raw.count) samples: \(lanes[k].count) events, alone \(alone.count); first difference at \(differs ?? -1)")
            if differs != nil { return }
        }
    }

    @Test(arguments: levels)
    func everyReadGetsTheEventsItGetsAlone(_ level: Int32) {
        let reads = Self.reads(Self.lengths + Self.lengths.reversed(), seed: 7)
        expectSame(EventLanes.events(reads, vectorLevel: level), reads, .r94DNA, "level \(level)")
    }

    @Test(arguments: EventDetectorTranscriptionTests.parameterSets.indices)
    func otherParametersToo(_ set: Int) {
        let parameters = EventDetectorTranscriptionTests.parameterSets[set]
        let reads = Self.reads(Self.lengths, seed: 100 + UInt64(set))
        expectSame(EventLanes.events(reads, parameters: parameters), reads, parameters, "parameters \(set)")
    }

    /// 1, 15, 16 and 17 reads: fewer than the lanes, one short, exactly full, one over.
    @Test(arguments: [1, 15, 16, 17])
    func aroundSixteenReads(_ count: Int) {
        let reads = Self.reads((0..<count).map { 500 + ($0 * 7_919) % 9_000 }, seed: UInt64(count))
        expectSame(EventLanes.events(reads), reads, .r94DNA, "\(count) reads")
    }

    /// A read with an event every sample or two needs more room for events than a lane starts
    /// with: the kernel stops, the lane's room grows, nothing is lost.
    @Test func roomForEventsGrows() {
        let calibration = ChannelCalibration(digitisation: 8192, offset: 0, range: 1467.61)
        // A new level every three samples, far from the last: an event nearly every three.
        let raw = (0..<20_000).map { (k: Int) -> Int16 in
            let step = k / 3
            return Int16(300 + 400 * (step % 2) + 37 * (step % 5))
        }
        let alone = EventDetector.events(raw.map(calibration.picoamperes))
        #expect(alone.count > 20_000 / 4 + 200)
        expectSame(EventLanes.events([(raw, calibration)]), [(raw, calibration)], .r94DNA, "alternating")
    }
}
