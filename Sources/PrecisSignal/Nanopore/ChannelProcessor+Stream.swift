import PrecisCore

/// One channel's real-time processing: raw samples in; pA, open-pore level, read boundaries,
/// events and channel state out. Memory is bounded: the detector's windows, `minimumGap`
/// pending samples, and the read in progress (at most `maximumReadLength`).
///
/// A read starts at the first strand sample (below `strandFraction` of the open-pore level)
/// and ends at the last strand sample before `minimumGap` samples that are not strand, so a
/// brief spike inside a strand does not split it. The open-pore level is a running median
/// (sign-step tracker) of the samples in the open-pore band.
///
/// This is the plain statement of what happens to each channel, one sample at a time. A run's
/// pipeline uses `ChannelBank`, which does the same for sixteen channels at once in vector
/// lanes and is tested to give exactly what this gives.
public struct ChannelProcessor: Sendable {
    /// The channel number (1-based).
    public let channel: Int
    /// Its calibration.
    public let calibration: ChannelCalibration
    /// The parameters in use.
    public let parameters: SegmentationParameters
    let rails: ClosedRange<Int16>
    var detector: EventDetector
    /// The running open-pore level (pA).
    public private(set) var openPoreLevel: Float
    var inRead = false
    var readStart: UInt64 = 0
    var read: [Int16] = []
    var pending: [Int16] = []
    var eventsInRead = 0
    var medianBefore: Float = 0
    /// Samples seen.
    public private(set) var samples: UInt64 = 0
    /// Reads kept.
    public private(set) var reads = 0
    /// Strand blips shorter than the shortest read.
    public private(set) var blips = 0
    /// Events found in kept reads.
    public private(set) var events = 0
    /// Samples in kept reads.
    public private(set) var readSamples: UInt64 = 0
    /// The state from the last complete status window.
    public private(set) var state = ChannelState.unknown
    var window = (strand: 0, open: 0, noPore: 0, saturated: 0, other: 0, total: 0)

    /// Makes a channel; `rails` are the ADC codes that mean the converter is saturated.
    public init(channel: Int, calibration: ChannelCalibration, parameters: SegmentationParameters = .init(),
                rails: ClosedRange<Int16> = (Int16.min + 1)...(Int16.max - 1)) {
        precondition(parameters.problem == nil, parameters.problem ?? "")
        self.channel = channel
        self.calibration = calibration
        self.parameters = parameters
        self.rails = rails
        detector = EventDetector(parameters: parameters.events)
        openPoreLevel = parameters.expectedOpenPore
        pending.reserveCapacity(parameters.minimumGap)
    }

    /// Whether a read is in progress.
    public var readInProgress: Bool { inRead }

    /// Takes one raw sample; calls `completed` for a read it ends.
    @inline(__always)
    public mutating func push(_ raw: Int16, _ completed: (SegmentedRead) -> Void) {
        let x = calibration.picoamperes(raw)
        let strand: Bool
        if !rails.contains(raw) {
            window.saturated += 1
            strand = false
        } else if abs(x) < parameters.noPoreBelow {
            window.noPore += 1
            strand = false
        } else if x < openPoreLevel * parameters.strandFraction {
            strand = true
        } else if parameters.openPoreRange.contains(x) {
            window.open += 1
            openPoreLevel += x > openPoreLevel ? 0.05 : (x < openPoreLevel ? -0.05 : 0)
            strand = false
        } else {
            window.other += 1
            strand = false
        }
        if strand {
            window.strand += 1
            if !inRead {
                beginRead()
            } else if !pending.isEmpty {
                flushPending()
            }
            read.append(raw)
            var found = 0
            detector.push(x) { _ in found += 1 }
            eventsInRead += found
            if read.count >= parameters.maximumReadLength { endRead(.partial, completed) }
        } else if inRead {
            pending.append(raw)
            if pending.count >= parameters.minimumGap { endRead(.signalPositive, completed) }
        }
        samples += 1
        window.total += 1
        if window.total == parameters.stateWindow { closeWindow() }
    }

    /// Samples were lost: a read in progress ends at the gap (`device_data_error`).
    public mutating func markLoss(_ completed: (SegmentedRead) -> Void) {
        if inRead { endRead(.deviceDataError, completed) }
    }

    /// The run stopped: a read in progress ends here (`api_request`).
    public mutating func finish(_ completed: (SegmentedRead) -> Void) {
        if inRead { endRead(.apiRequest, completed) }
    }

    /// Moves the sample counter past lost samples.
    public mutating func skip(_ lost: UInt64) { samples += lost }

    mutating func beginRead() {
        inRead = true
        readStart = samples
        read.removeAll(keepingCapacity: true)
        detector.reset()
        eventsInRead = 0
        medianBefore = openPoreLevel
    }

    mutating func flushPending() {
        var found = 0
        for raw in pending {
            read.append(raw)
            detector.push(calibration.picoamperes(raw)) { _ in found += 1 }
        }
        eventsInRead += found
        pending.removeAll(keepingCapacity: true)
    }

    mutating func endRead(_ reason: ReadEndReason, _ completed: (SegmentedRead) -> Void) {
        inRead = false
        pending.removeAll(keepingCapacity: true)
        guard read.count >= parameters.minimumReadLength else {
            blips += 1
            return
        }
        var found = 0
        detector.finish { _ in found += 1 }
        eventsInRead += found
        reads += 1
        events += eventsInRead
        readSamples += UInt64(read.count)
        completed(SegmentedRead(channel: channel, readNumber: reads, startSample: readStart, raw: Array(read),
                                medianBefore: medianBefore, eventCount: eventsInRead, endReason: reason))
    }

    mutating func closeWindow() {
        let w = window
        if w.saturated * 100 >= w.total {
            state = .saturated
        } else {
            let ranked: [(ChannelState, Int)] = [(.strand, w.strand), (.pore, w.open), (.noPore, w.noPore), (.other, w.other)]
            let best = ranked.max { $0.1 < $1.1 }!
            state = best.1 * 2 >= w.total ? best.0 : .other
        }
        window = (0, 0, 0, 0, 0, 0)
    }
}
