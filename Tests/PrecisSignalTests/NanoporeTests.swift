import PrecisCore
import PrecisSignal
import Testing

/// Steps of known levels with a little deterministic noise.
private func steps(_ levels: [(Float, Int)], noise: Float = 0.3) -> [Float] {
    var out: [Float] = []
    var state: UInt32 = 12345
    for (level, count) in levels {
        for _ in 0..<count {
            state = state &* 1_103_515_245 &+ 12345
            out.append(level + noise * (Float(state >> 16 & 0x7FFF) / 32768 - 0.5))
        }
    }
    return out
}

private let cal = ChannelCalibration(digitisation: 8192, offset: 0, range: 8192)   // 1 raw level = 1 pA

@Suite struct EventDetectorTests {
    @Test func stepsInRealisticNoiseAreFoundAtTheirBoundaries() {
        // Levels 20+ pA apart, 2 pA of noise (as in R9.4 strands): every true boundary is found
        // within 2 samples, and the long events sit on a true level.
        let levels: [(Float, Int)] = [(80, 40), (110, 35), (70, 45), (95, 30), (125, 50), (60, 40)]
        let events = EventDetector.events(steps(levels, noise: 7))
        var boundary = 0
        for (_, count) in levels.dropLast() {
            boundary += count
            #expect(events.contains { abs($0.start - boundary) <= 2 }, "boundary \(boundary)")
        }
        for event in events where event.length >= 15 {
            #expect(levels.contains { abs($0.0 - event.mean) < 1.5 }, "event at \(event.start): \(event.mean)")
        }
        #expect(events.reduce(0) { $0 + $1.length } == 240)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.start + $0.length == $1.start })
    }

    @Test func streamingInChunksEqualsAllAtOnce() {
        let signal = steps([(80, 40), (100, 9), (60, 33), (90, 7), (130, 50)], noise: 4)
        let whole = EventDetector.events(signal)
        var detector = EventDetector()
        var streamed: [NanoporeEvent] = []
        for x in signal { detector.push(x) { streamed.append($0) } }
        detector.finish { streamed.append($0) }
        #expect(streamed == whole)
        detector.reset()
        var again: [NanoporeEvent] = []
        for x in signal { detector.push(x) { again.append($0) } }
        detector.finish { again.append($0) }
        #expect(again == whole)   // reset starts a read afresh
    }

    @Test func aFlatSignalIsOneEvent() {
        let events = EventDetector.events([Float](repeating: 100, count: 500))
        #expect(events == [NanoporeEvent(start: 0, length: 500, mean: 100, stdv: 0)])
    }

    @Test func badParametersAreNamed() {
        #expect(EventDetector.Parameters(windowLength1: 0, windowLength2: 6, threshold1: 1, threshold2: 1, peakHeight: 1).problem != nil)
        #expect(EventDetector.Parameters.r94DNA.problem == nil)
    }
}

@Suite struct ChannelProcessorTests {
    func feed(_ raw: [Int16], into p: inout ChannelProcessor) -> [SegmentedRead] {
        var reads: [SegmentedRead] = []
        for x in raw { p.push(x) { reads.append($0) } }
        return reads
    }

    func open(_ n: Int) -> [Int16] { (0..<n).map { Int16(230 + ($0 % 5) - 2) } }
    func strand(_ n: Int, seed: Int) -> [Int16] { (0..<n).map { Int16(70 + (($0 / 9 + seed) * 37) % 60) } }

    @Test func readsAreCutExactlyAtTheOpenPore() {
        var p = ChannelProcessor(channel: 3, calibration: cal)
        let r1 = strand(600, seed: 1), r2 = strand(900, seed: 2)
        let reads = feed(open(2000) + r1 + open(300) + r2 + open(1500), into: &p)
        #expect(reads.map(\.raw) == [r1, r2])
        #expect(reads.map(\.startSample) == [2000, 2900])
        #expect(reads.map(\.readNumber) == [1, 2])
        #expect(reads.allSatisfy { $0.channel == 3 && $0.endReason == .signalPositive && $0.eventCount > 10 })
        #expect(abs(reads[0].medianBefore - 230) < 3)
        #expect(p.state == .pore)
    }

    @Test func aSpikeInsideAStrandDoesNotSplitIt() {
        var p = ChannelProcessor(channel: 1, calibration: cal)
        let read = strand(400, seed: 3) + open(5) + strand(400, seed: 4)   // 5 < minimumGap
        let reads = feed(open(1500) + read + open(100), into: &p)
        #expect(reads.map(\.raw) == [read])
    }

    @Test func blipsAreCountedNotKept() {
        var p = ChannelProcessor(channel: 1, calibration: cal)
        let reads = feed(open(1500) + strand(50, seed: 1) + open(100), into: &p)
        #expect(reads.isEmpty)
        #expect(p.blips == 1)
    }

    @Test func lossEndsAReadAtTheGapAndRunEndEndsTheLast() {
        var p = ChannelProcessor(channel: 1, calibration: cal)
        var reads = feed(open(1500) + strand(500, seed: 1), into: &p)
        p.markLoss { reads.append($0) }
        p.skip(8)
        reads += feed(strand(300, seed: 2), into: &p)
        p.finish { reads.append($0) }
        #expect(reads.map(\.endReason) == [.deviceDataError, .apiRequest])
        #expect(reads.map(\.raw.count) == [500, 300])
        #expect(reads[1].startSample == 2008)
    }

    @Test func statesFollowTheCurrent() {
        var noPore = ChannelProcessor(channel: 1, calibration: cal)
        _ = feed([Int16](repeating: 2, count: 2000), into: &noPore)
        #expect(noPore.state == .noPore)
        var saturated = ChannelProcessor(channel: 2, calibration: cal)
        _ = feed([Int16](repeating: .max, count: 2000), into: &saturated)
        #expect(saturated.state == .saturated)
        var sequencing = ChannelProcessor(channel: 3, calibration: cal)
        _ = feed(strand(2000, seed: 5), into: &sequencing)
        #expect(sequencing.state == .strand && sequencing.readInProgress)
    }

    @Test func theOpenPoreLevelIsTrackedRobustly() {
        var p = ChannelProcessor(channel: 1, calibration: cal)
        _ = feed((0..<20_000).map { Int16($0 % 100 == 0 ? 340 : 250 + ($0 % 3)) }, into: &p)   // 1 % outliers
        #expect(abs(p.openPoreLevel - 251) < 2)
    }
}
