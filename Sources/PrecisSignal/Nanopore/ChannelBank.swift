import CVectorMath
import PrecisCore

/// What one channel has done so far.
public struct ChannelStatus: Sendable, Equatable {
    /// Samples seen (lost ones included).
    public var samples: UInt64
    /// Reads kept.
    public var reads: Int
    /// Strand blips shorter than the shortest read.
    public var blips: Int
    /// Events found in kept reads.
    public var events: Int
    /// Samples in kept reads.
    public var readSamples: UInt64
    /// The state from the last complete status window.
    public var state: ChannelState
    /// The running open-pore level (pA).
    public var openPoreLevel: Float
    /// Whether a read is in progress.
    public var readInProgress: Bool
}

extension ChannelProcessor {
    /// What this channel has done so far.
    public var status: ChannelStatus {
        ChannelStatus(samples: samples, reads: reads, blips: blips, events: events, readSamples: readSamples,
                      state: state, openPoreLevel: openPoreLevel, readInProgress: readInProgress)
    }
}

/// Every channel of a sequencer, processed sixteen at a time straight from the stream's
/// channel-interleaved rows (the C kernel in CVectorMath's channel_block.h, one channel per
/// vector lane). Each channel gets exactly what a `ChannelProcessor` of its own would give it:
/// the same reads with the same samples, event counts and end reasons, the same state and counts
/// (Tests/PrecisSignalTests/ChannelBankTests compares the two on every instruction-set level).
///
/// Memory is bounded as the processor's is: per block a ring of the detector's prefix sums
/// (`2 × lag + minimumGap` rows, rounded up to a power of two) and each channel's read in progress.
public final class ChannelBank: @unchecked Sendable {
    /// Channels in the bank.
    public let channels: Int
    /// The parameters in use.
    public let parameters: SegmentationParameters
    let blocks: UnsafeMutablePointer<cvm_block>
    let blockCount: Int
    let level: Int32?
    /// A partial last block's rows, padded to 16 lanes.
    var padded: [Int16] = []

    /// A bank of `calibrations.count` channels (numbered from 1); `rails` are the ADC codes that
    /// mean the converter is saturated. `vectorLevel` (a CVM_LEVEL_...) fixes the instruction
    /// set, for the tests that check every level; by default the process's level is used.
    public init(calibrations: [ChannelCalibration], parameters: SegmentationParameters = .init(),
                rails: ClosedRange<Int16> = (Int16.min + 1)...(Int16.max - 1), vectorLevel: Int32? = nil) {
        precondition(parameters.problem == nil, parameters.problem ?? "")
        channels = calibrations.count
        self.parameters = parameters
        level = vectorLevel
        blockCount = (channels + Self.lanes - 1) / Self.lanes
        blocks = .allocate(capacity: max(blockCount, 1))
        let lag = max(parameters.events.windowLength1, parameters.events.windowLength2)
        let gap = parameters.minimumGap
        var rows = 1
        while rows < 2 * lag + gap + 4 { rows *= 2 }
        let longest = parameters.maximumReadLength
        for k in 0..<blockCount {
            var b = cvm_block()
            b.minimumGap = Int32(gap)
            b.minimumReadLength = Int32(parameters.minimumReadLength)
            b.maximumReadLength = Int32(longest)
            b.stateWindow = Int32(parameters.stateWindow)
            b.window1 = Int32(parameters.events.windowLength1)
            b.window2 = Int32(parameters.events.windowLength2)
            b.lag = Int32(lag)
            b.ringRows = Int32(rows)
            b.threshold1 = parameters.events.threshold1
            b.threshold2 = parameters.events.threshold2
            b.peakHeight = parameters.events.peakHeight
            b.strandFraction = parameters.strandFraction
            b.noPoreBelow = parameters.noPoreBelow
            b.openLow = parameters.openPoreRange.lowerBound
            b.openHigh = parameters.openPoreRange.upperBound
            b.railLow = Int32(rails.lowerBound)
            b.railHigh = Int32(rails.upperBound)
            b.sums = .allocate(capacity: rows * Self.lanes)
            b.sums.initialize(repeating: 0, count: rows * Self.lanes)
            b.squares = .allocate(capacity: rows * Self.lanes)
            b.squares.initialize(repeating: 0, count: rows * Self.lanes)
            (blocks + k).initialize(to: b)
            let room = min(4096, longest + gap)
            for lane in 0..<Self.lanes {
                let c = k * Self.lanes + lane
                // Lanes past the last channel see 0 pA: no pore, never a read.
                let calibration = c < channels ? calibrations[c] : nil
                field(k, \.offset, Double.self)[lane] = calibration?.offset ?? 0
                field(k, \.unit, Double.self)[lane] = calibration?.unit ?? 0
                field(k, \.level, Float.self)[lane] = parameters.expectedOpenPore
                field(k, \.shortPosition, Int32.self)[lane] = -1
                field(k, \.longPosition, Int32.self)[lane] = -1
                field(k, \.shortValue, Float.self)[lane] = .greatestFiniteMagnitude
                field(k, \.longValue, Float.self)[lane] = .greatestFiniteMagnitude
                field(k, \.capacity, Int32.self)[lane] = Int32(room)
                field(k, \.raw, UnsafeMutablePointer<Int16>?.self)[lane] = .allocate(capacity: room)
            }
        }
    }

    deinit {
        for k in 0..<blockCount {
            blocks[k].sums.deallocate()
            blocks[k].squares.deallocate()
            for lane in 0..<Self.lanes { field(k, \.raw, UnsafeMutablePointer<Int16>?.self)[lane]!.deallocate() }
        }
        blocks.deinitialize(count: blockCount)
        blocks.deallocate()
    }

    static let lanes = Int(CVM_BLOCK_LANES)
    /// ChannelState by the kernel's CVM_STATE_ codes.
    static let states: [ChannelState] = [.unknown, .pore, .strand, .noPore, .saturated, .other]

    /// Lane storage of block `k`'s `path` (a C array of 16).
    @inline(__always)
    func field<T>(_ k: Int, _ path: PartialKeyPath<cvm_block>, _: T.Type) -> UnsafeMutablePointer<T> {
        (UnsafeMutableRawPointer(blocks + k) + MemoryLayout<cvm_block>.offset(of: path)!).assumingMemoryBound(to: T.self)
    }

    /// Takes `frames` rows of `channels` host-order int16 samples, channel-interleaved (a stream
    /// packet's layout, at any alignment); calls `completed` for each read they end.
    public func push(_ rows: UnsafeRawPointer, frames: Int, _ completed: (SegmentedRead) -> Void) {
        let rowBytes = 2 * channels
        for k in 0..<blockCount {
            let first = k * Self.lanes, width = min(Self.lanes, channels - first)
            if width == Self.lanes {
                run(k, rows + 2 * first, stride: channels, frames: frames, completed)
                continue
            }
            if padded.count < frames * Self.lanes { padded = [Int16](repeating: 0, count: frames * Self.lanes) }
            padded.withUnsafeMutableBufferPointer { padded in
                for f in 0..<frames {
                    for lane in 0..<width {
                        padded[f * Self.lanes + lane] = rows.loadUnaligned(fromByteOffset: f * rowBytes + 2 * (first + lane), as: Int16.self)
                    }
                }
                run(k, UnsafeRawPointer(padded.baseAddress!), stride: Self.lanes, frames: frames, completed)
            }
        }
    }

    /// Block `k`'s rows (`stride` samples apart) through the kernel, growing reads' room and
    /// reporting ended reads whenever it stops for them.
    func run(_ k: Int, _ rows: UnsafeRawPointer, stride: Int, frames: Int, _ completed: (SegmentedRead) -> Void) {
        var done = 0
        while done < frames {
            let rest = rows + 2 * done * stride
            done += level.map { cvm_block_run_at_level($0, blocks + k, rest, stride, frames - done) }
                ?? cvm_block_run(blocks + k, rest, stride, frames - done)
            report(k, completed)
            if blocks[k].needsRoom != 0 { grow(k) }
        }
    }

    /// Hands block `k`'s ended reads to `completed`.
    func report(_ k: Int, _ completed: (SegmentedRead) -> Void) {
        let ended = field(k, \.endedReads, cvm_block_read.self)
        for e in 0..<Int(blocks[k].ended) {
            let read = ended[e], lane = Int(read.lane)
            let raw = field(k, \.raw, UnsafeMutablePointer<Int16>?.self)[lane]!
            completed(SegmentedRead(channel: k * Self.lanes + lane + 1, readNumber: Int(read.readNumber),
                                    startSample: read.start, raw: Array(UnsafeBufferPointer(start: raw, count: Int(read.length))),
                                    medianBefore: read.medianBefore, eventCount: Int(read.events),
                                    endReason: ReadEndReason(rawValue: UInt8(read.reason)) ?? .unknown))
        }
        blocks[k].ended = 0
    }

    /// Doubles the room of every lane whose read has filled it (up to the longest read and a gap).
    func grow(_ k: Int) {
        let capacity = field(k, \.capacity, Int32.self), length = field(k, \.length, Int32.self)
        let raw = field(k, \.raw, UnsafeMutablePointer<Int16>?.self)
        let most = Int(blocks[k].maximumReadLength) + Int(blocks[k].minimumGap)
        for lane in 0..<Self.lanes where length[lane] >= capacity[lane] {
            let old = raw[lane]!, count = Int(length[lane])
            let room = max(count + 1, min(2 * Int(capacity[lane]), most))
            let new = UnsafeMutablePointer<Int16>.allocate(capacity: room)
            new.initialize(from: old, count: count)
            old.deallocate()
            raw[lane] = new
            capacity[lane] = Int32(room)
        }
        blocks[k].needsRoom = 0
    }

    func endReads(_ reason: ReadEndReason, _ completed: (SegmentedRead) -> Void) {
        for k in 0..<blockCount {
            if let level { cvm_block_end_reads_at_level(level, blocks + k, Int32(reason.rawValue)) }
            else { cvm_block_end_reads(blocks + k, Int32(reason.rawValue)) }
            report(k, completed)
        }
    }

    /// Samples were lost: reads in progress end at the gap (`device_data_error`).
    public func markLoss(_ completed: (SegmentedRead) -> Void) { endReads(.deviceDataError, completed) }

    /// The run stopped: reads in progress end here (`api_request`).
    public func finish(_ completed: (SegmentedRead) -> Void) { endReads(.apiRequest, completed) }

    /// Moves every channel's sample counter past lost samples.
    public func skip(_ lost: UInt64) {
        for k in 0..<blockCount { blocks[k].samples += lost }
    }

    /// Channel `index`'s status (0-based).
    public func status(_ index: Int) -> ChannelStatus {
        precondition(index >= 0 && index < channels)
        let k = index / Self.lanes, lane = index % Self.lanes
        return ChannelStatus(samples: blocks[k].samples, reads: Int(field(k, \.reads, Int64.self)[lane]),
                             blips: Int(field(k, \.blips, Int64.self)[lane]), events: Int(field(k, \.eventTotal, Int64.self)[lane]),
                             readSamples: UInt64(field(k, \.readSamples, Int64.self)[lane]),
                             state: Self.states[Int(field(k, \.state, Int32.self)[lane])],
                             openPoreLevel: field(k, \.level, Float.self)[lane],
                             readInProgress: field(k, \.inRead, Int32.self)[lane] != 0)
    }

    /// Every channel's state.
    public var states: [ChannelState] { (0..<channels).map { status($0).state } }
}
