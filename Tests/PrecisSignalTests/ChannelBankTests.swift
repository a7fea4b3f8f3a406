import CVectorMath
import PrecisCore
import PrecisSignal
import Testing

/// The bank (sixteen channels per vector block, CVectorMath/channel_block.c) must give every
/// channel exactly what a ChannelProcessor of its own gives it, sample by sample: the same reads
/// (start, raw samples, open-pore level before, event count, end reason, number), and the same
/// counts, state and open-pore level, on every instruction-set level this CPU has, for any
/// packet size and across lost samples.
@Suite struct ChannelBankTests {
    /// A deterministic generator (the streams must be the same on every run and level).
    struct Random {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        mutating func noise(_ amplitude: Float) -> Float { amplitude * (Float(next(2001)) / 1000 - 1) }
    }

    /// One channel's samples: open pore, strands of any length (blips, reads, reads longer than
    /// the longest kept), short and long gaps inside them, no pore, a saturated ADC and current
    /// above the open-pore band, in pA turned into this channel's ADC codes.
    static func channel(_ frames: Int, calibration: ChannelCalibration, seed: UInt64) -> [Int16] {
        var rng = Random(state: seed)
        var out: [Int16] = []
        func raw(_ pA: Float) -> Int16 { calibration.raw(picoamperes: Double(pA)) }
        while out.count < frames {
            switch rng.next(10) {
            case 0...2:
                for _ in 0..<(20 + rng.next(600)) { out.append(raw(225 + rng.noise(4))) }
            case 3...6:
                var level: Float = 90
                for _ in 0..<(5 + rng.next(rng.next(4) == 0 ? 3000 : 400)) {
                    if rng.next(8) == 0 { level = Float(60 + rng.next(80)) }
                    out.append(raw(level + rng.noise(3)))
                    if rng.next(150) == 0 {   // a gap, shorter or longer than the minimum
                        for _ in 0..<(1 + rng.next(30)) { out.append(raw(228 + rng.noise(3))) }
                    }
                }
            case 7: for _ in 0..<(10 + rng.next(300)) { out.append(raw(rng.noise(6))) }
            case 8: for _ in 0..<(5 + rng.next(200)) { out.append(rng.next(2) == 0 ? .max : .min) }
            default: for _ in 0..<(5 + rng.next(200)) { out.append(raw(420 + rng.noise(10))) }
            }
        }
        return Array(out.prefix(frames))
    }

    static let parameterSets: [SegmentationParameters] = {
        var small = SegmentationParameters()   // short reads cut often, odd windows
        small.minimumGap = 5
        small.minimumReadLength = 30
        small.maximumReadLength = 700
        small.stateWindow = 97
        small.events = .init(windowLength1: 8, windowLength2: 3, threshold1: 2.5, threshold2: 4.0, peakHeight: 0.5)
        var wide = SegmentationParameters()    // a window of 1 (no statistics) and a long one
        wide.minimumGap = 40
        wide.minimumReadLength = 150
        wide.events = .init(windowLength1: 1, windowLength2: 60, threshold1: 1.4, threshold2: 3.0, peakHeight: 0.2)
        var tight = SegmentationParameters()   // any non-strand sample ends a read: the detector
        tight.minimumGap = 1                   // runs only `lag + 1` samples behind the newest
        tight.minimumReadLength = 20
        tight.events = .init(windowLength1: 2, windowLength2: 5, threshold1: 1.4, threshold2: 3.0, peakHeight: 0.2)
        return [SegmentationParameters(), small, wide, tight]
    }()

    struct Outcome {
        var reads: [String: SegmentedRead] = [:]
        var statuses: [ChannelStatus] = []
        mutating func add(_ read: SegmentedRead) { reads["\(read.channel)/\(read.readNumber)"] = read }
    }

    /// Where samples are lost (after the row) and how many.
    static let losses: [Int: UInt64] = [7_001: 12, 15_333: 1]

    /// Each channel alone in a ChannelProcessor, sample by sample.
    static func reference(_ streams: [[Int16]], _ calibrations: [ChannelCalibration], _ p: SegmentationParameters,
                          rails: ClosedRange<Int16>) -> Outcome {
        var outcome = Outcome()
        for (c, stream) in streams.enumerated() {
            var processor = ChannelProcessor(channel: c + 1, calibration: calibrations[c], parameters: p, rails: rails)
            for (f, raw) in stream.enumerated() {
                processor.push(raw) { outcome.add($0) }
                if let lost = losses[f] {
                    processor.markLoss { outcome.add($0) }
                    processor.skip(lost)
                }
            }
            outcome.statuses.append(processor.status)
            processor.finish { outcome.add($0) }
        }
        return outcome
    }

    /// The bank, given the channels' rows in packets of changing size.
    static func bank(_ streams: [[Int16]], _ calibrations: [ChannelCalibration], _ p: SegmentationParameters,
                     rails: ClosedRange<Int16>, level: Int32) -> Outcome {
        let bank = ChannelBank(calibrations: calibrations, parameters: p, rails: rails, vectorLevel: level)
        let channels = streams.count, frames = streams[0].count
        var rows = [Int16](repeating: 0, count: channels * frames)
        for c in 0..<channels { for f in 0..<frames { rows[f * channels + c] = streams[c][f] } }
        var outcome = Outcome()
        let sizes = [8, 1, 13, 37, 2, 8, 5, 32, 3]
        var f = 0, step = 0
        rows.withUnsafeBufferPointer { rows in
            while f < frames {
                var n = min(sizes[step % sizes.count], frames - f)
                if let loss = losses.keys.first(where: { $0 >= f && $0 < f + n }) { n = loss - f + 1 }
                bank.push(rows.baseAddress! + f * channels, frames: n) { outcome.add($0) }
                f += n
                step += 1
                if let lost = losses[f - 1] {
                    bank.markLoss { outcome.add($0) }
                    bank.skip(lost)
                }
            }
        }
        outcome.statuses = (0..<channels).map(bank.status)
        bank.finish { outcome.add($0) }
        return outcome
    }

    @Test(arguments: 0..<4)
    func everyChannelGetsWhatItsOwnProcessorGives(parameterSet: Int) {
        let p = Self.parameterSets[parameterSet]
        // 37 channels: two full blocks and a partial one.
        let channels = 37, frames = 20_000
        let calibrations = (0..<channels).map { ChannelCalibration(digitisation: 8192, offset: Double(4 + $0 % 9), range: 1402.9) }
        let streams = (0..<channels).map {
            Self.channel(frames, calibration: calibrations[$0], seed: UInt64(1000 * parameterSet + $0))
        }
        let rails: ClosedRange<Int16> = (Int16.min + 1)...(Int16.max - 1)
        let expected = Self.reference(streams, calibrations, p, rails: rails)
        // The streams reach every path: kept reads of each end reason, blips, every state.
        #expect(expected.reads.count > 100)
        #expect(Set(expected.reads.values.map(\.endReason)).isSuperset(of: [.signalPositive, .deviceDataError, .apiRequest]))
        if p.maximumReadLength < 1000 { #expect(expected.reads.values.contains { $0.endReason == .partial }) }
        #expect(expected.statuses.contains { $0.blips > 0 })
        #expect(expected.reads.values.reduce(0) { $0 + $1.eventCount } > 1000)
        for level in TStatKernelTests.levels {
            let got = Self.bank(streams, calibrations, p, rails: rails, level: level)
            #expect(got.statuses == expected.statuses, "level \(level)")
            #expect(got.reads.keys.sorted() == expected.reads.keys.sorted(), "level \(level)")
            var mismatches = 0
            for (key, want) in expected.reads {
                guard let read = got.reads[key] else { continue }
                if read.startSample != want.startSample || read.raw != want.raw || read.medianBefore != want.medianBefore
                    || read.eventCount != want.eventCount || read.endReason != want.endReason || read.channel != want.channel {
                    mismatches += 1
                    if mismatches <= 3 {
                        Issue.record("level \(level) read \(key): start \(read.startSample)/\(want.startSample) length \(read.raw.count)/\(want.raw.count) events \(read.eventCount)/\(want.eventCount) end \(read.endReason)/\(want.endReason)")
                    }
                }
            }
            #expect(mismatches == 0, "level \(level)")
        }
    }

    @Test func theOpenPoreBandsEdgesCountAsOpenPore() {
        // 1 ADC level = 1 pA: samples land exactly on the band's edges (150 and 350 pA) once the
        // open-pore level has come down far enough (to 165 pA) that 150 is no longer strand.
        let calibration = ChannelCalibration(digitisation: 8192, offset: 0, range: 8192)
        // Down in two steps, each above 85 % of the level it starts from (or it would be strand).
        var stream = [Int16](repeating: 190, count: 1000) + [Int16](repeating: 165, count: 1000)
        for k in 0..<2000 { stream.append([150, 350, 149, 351, 165][k % 5]) }
        let bank = ChannelBank(calibrations: [calibration])
        stream.withUnsafeBufferPointer { bank.push($0.baseAddress!, frames: stream.count) { _ in } }
        var one = ChannelProcessor(channel: 1, calibration: calibration)
        for raw in stream { one.push(raw) { _ in } }
        #expect(bank.status(0) == one.status)
        #expect(one.status.state == .pore && abs(one.openPoreLevel - 165) < 1, "\(one.status)")
    }

    @Test func parametersTheKernelCannotHoldAreRefused() {
        var p = SegmentationParameters()
        p.minimumGap = 100_001   // the prefix-sum ring holds the gap: bounded
        #expect(p.problem != nil)
        p = SegmentationParameters()
        p.maximumReadLength = (1 << 30) + 1
        #expect(p.problem != nil)
        #expect(SegmentationParameters().problem == nil)
    }

    @Test func aReadLongerThanTheFirstRoomGrowsIntoIt() {
        // 20,000 strand samples in one read: the lane's buffer (4,096 at first) is grown on the way.
        let calibration = ChannelCalibration(digitisation: 8192, offset: 0, range: 8192)
        let strand = (0..<20_000).map { Int16(70 + (($0 / 9) * 37) % 60) }
        let stream = [Int16](repeating: 230, count: 1500) + strand + [Int16](repeating: 230, count: 100)
        let bank = ChannelBank(calibrations: [calibration])
        var reads: [SegmentedRead] = []
        stream.withUnsafeBufferPointer { bank.push($0.baseAddress!, frames: stream.count) { reads.append($0) } }
        #expect(reads.count == 1)
        #expect(reads.first?.raw == strand)
        #expect(reads.first?.startSample == 1500)
        var one = ChannelProcessor(channel: 1, calibration: calibration)
        var expected: [SegmentedRead] = []
        for raw in stream { one.push(raw) { expected.append($0) } }
        #expect(reads.first?.eventCount == expected.first?.eventCount)
        #expect(bank.status(0) == one.status)
    }
}
