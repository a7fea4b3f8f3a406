import CVectorMath
import PrecisCore

/// The event detector over whole reads, sixteen at a time: each read is a lane of the C kernel in
/// CVectorMath's event_lanes.h (a channel that starts at sample 0 and whose length is known), and a
/// lane takes the next read as soon as its read is done. Each read gets exactly the events
/// `EventDetector` gives its samples in pA (Tests/PrecisSignalTests/EventLanesTests compares the
/// two on every instruction-set level).
///
/// Memory: each lane's copy of its read's raw samples and its events, kept and reused from read
/// to read, a ring of prefix sums (`2 × lag + 4` rows, rounded up to a power of two) and a log of
/// the boundaries found in a tile of rows (CVM_EVENT_LOG entries).
public final class EventLanes {
    /// Lanes in the block.
    public static let lanes = Int(CVM_EVENT_LANES)
    /// The parameters in use.
    public let parameters: EventDetector.Parameters
    var block = cvm_event_lanes()
    let level: Int32?
    /// Each lane's raw samples (its own copy) and their room.
    var raw: [UnsafeMutablePointer<Int16>?] = Array(repeating: nil, count: lanes)
    var rawRoom = [Int](repeating: 0, count: lanes)
    /// Each lane's log of event boundaries (its events once done) and the caller's tag of its
    /// read (nil: the lane is free).
    var logs: [UnsafeMutablePointer<cvm_boundary>?] = Array(repeating: nil, count: lanes)
    var eventRoom = [Int](repeating: 0, count: lanes)
    var tags = [Int?](repeating: nil, count: lanes)

    /// A block for `parameters` (usable ones: `Parameters.problem == nil`); `vectorLevel` (a
    /// CVM_LEVEL_...) fixes the instruction set, for the tests that check every level.
    public init(parameters: EventDetector.Parameters = .r94DNA, vectorLevel: Int32? = nil) {
        precondition(parameters.problem == nil, parameters.problem ?? "")
        self.parameters = parameters
        level = vectorLevel
        let lag = max(parameters.windowLength1, parameters.windowLength2)
        var rows = 1
        while rows < 2 * lag + 4 { rows *= 2 }
        block.window1 = Int32(parameters.windowLength1)
        block.window2 = Int32(parameters.windowLength2)
        block.lag = Int32(lag)
        block.ringRows = Int32(rows)
        block.threshold1 = parameters.threshold1
        block.threshold2 = parameters.threshold2
        block.peakHeight = parameters.peakHeight
        block.sums = .allocate(capacity: rows * Self.lanes)
        block.sums.initialize(repeating: 0, count: rows * Self.lanes)
        block.squares = .allocate(capacity: rows * Self.lanes)
        block.squares.initialize(repeating: 0, count: rows * Self.lanes)
        let log = Int(CVM_EVENT_LOG)
        block.logLane = .allocate(capacity: log)
        block.logPosition = .allocate(capacity: log)
        block.logSum = .allocate(capacity: log)
        block.logSquares = .allocate(capacity: log)
    }

    deinit {
        block.sums.deallocate()
        block.squares.deallocate()
        block.logLane.deallocate()
        block.logPosition.deallocate()
        block.logSum.deallocate()
        block.logSquares.deallocate()
        for lane in 0..<Self.lanes {
            raw[lane]?.deallocate()
            logs[lane]?.deallocate()
        }
    }

    /// Whether a lane is free for another read.
    public var hasFreeLane: Bool { tags.contains(nil) }
    /// Whether no lane holds a read.
    public var isIdle: Bool { tags.allSatisfy { $0 == nil } }

    /// Gives a free lane (there must be one) the read of `samples` raw ADC codes, copied; its events
    /// come out of `run` with `tag`. A read without samples has no events and takes no lane.
    public func begin(_ samples: UnsafeBufferPointer<Int16>, calibration: ChannelCalibration, tag: Int,
                      _ done: (Int, [NanoporeEvent]) -> Void) {
        guard samples.count > 0 else { return done(tag, []) }
        precondition(samples.count <= Int(Int32.max) / 2, "event lanes: a read of \(samples.count) samples")
        let lane = tags.firstIndex(of: nil)!
        // The kernel reads a tile past the read's end (and its lag): padding, of any value.
        let padded = samples.count + Int(block.lag) + Int(CVM_EVENT_TILE)
        if rawRoom[lane] < padded {
            raw[lane]?.deallocate()
            rawRoom[lane] = max(padded, 2 * rawRoom[lane])
            raw[lane] = .allocate(capacity: rawRoom[lane])
            raw[lane]!.initialize(repeating: 0, count: rawRoom[lane])
        }
        raw[lane]!.update(from: samples.baseAddress!, count: samples.count)
        // Room for about one event in four samples to start with; `run` doubles it when short.
        let room = samples.count / 4 + 2 * Int(CVM_EVENT_TILE) + 1
        if eventRoom[lane] < room {
            logs[lane]?.deallocate()
            eventRoom[lane] = max(room, 2 * eventRoom[lane])
            logs[lane] = .allocate(capacity: eventRoom[lane])
        }
        tags[lane] = tag
        cvm_event_lanes_begin(&block, Int32(lane), raw[lane], Int32(samples.count), calibration.offset, calibration.unit,
                              logs[lane], Int32(eventRoom[lane]))
    }

    /// Runs the busy lanes until some read is done (then `done` gets its tag and events, and its
    /// lane is free) or none is busy.
    public func run(_ done: (Int, [NanoporeEvent]) -> Void) {
        while !isIdle {
            _ = level.map { cvm_event_lanes_run_at_level($0, &block, Int.max) } ?? cvm_event_lanes_run(&block, Int.max)
            if block.needsRoom != 0 { grow() }
            guard block.done != 0 else { continue }
            for lane in 0..<Self.lanes where block.done & (1 << UInt32(lane)) != 0 { finish(lane, done) }
            block.done = 0
            return
        }
    }

    /// Lane `lane`'s events worked out from its log and handed over; the lane is free.
    func finish(_ lane: Int, _ done: (Int, [NanoporeEvent]) -> Void) {
        let count = Int(withUnsafeBytes(of: block.count) { $0.load(fromByteOffset: 4 * lane, as: Int32.self) })
        let log = logs[lane]!
        cvm_event_lanes_events(log, count)
        let found = log.withMemoryRebound(to: cvm_event.self, capacity: count) { out in
            if Self.sameLayout {
                return out.withMemoryRebound(to: NanoporeEvent.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
            }
            return (0..<count).map { NanoporeEvent(start: Int(out[$0].start), length: Int(out[$0].length), mean: out[$0].mean, stdv: out[$0].stdv) }
        }
        let tag = tags[lane]!
        tags[lane] = nil
        done(tag, found)
    }

    /// Whether `NanoporeEvent` is laid out as the kernel's `cvm_event`, so that the events are
    /// copied as they are.
    static let sameLayout = MemoryLayout<NanoporeEvent>.size == MemoryLayout<cvm_event>.size
        && MemoryLayout<NanoporeEvent>.stride == MemoryLayout<cvm_event>.stride
        && MemoryLayout<NanoporeEvent>.offset(of: \.start) == 0 && MemoryLayout<NanoporeEvent>.offset(of: \.length) == 8
        && MemoryLayout<NanoporeEvent>.offset(of: \.mean) == 16 && MemoryLayout<NanoporeEvent>.offset(of: \.stdv) == 20
        && MemoryLayout<Int>.size == 8

    /// Doubles the room for events of every busy lane that is short of it.
    func grow() {
        let counted = block.count   // read before `room` is changed: both are in `block`
        withUnsafeMutableBytes(of: &block.room) { rooms in
            withUnsafeBytes(of: counted) { counts in
                for lane in 0..<Self.lanes where tags[lane] != nil {
                    let room = Int(rooms.load(fromByteOffset: 4 * lane, as: Int32.self))
                    let count = Int(counts.load(fromByteOffset: 4 * lane, as: Int32.self))
                    guard room - count < 2 * Int(CVM_EVENT_TILE) + 1 else { continue }
                    let new = UnsafeMutablePointer<cvm_boundary>.allocate(capacity: 2 * room)
                    new.update(from: logs[lane]!, count: count)
                    logs[lane]!.deallocate()
                    logs[lane] = new
                    eventRoom[lane] = 2 * room
                    rooms.storeBytes(of: Int32(2 * room), toByteOffset: 4 * lane, as: Int32.self)
                }
            }
        }
        withUnsafeMutableBytes(of: &block.out) { outs in
            for lane in 0..<Self.lanes where tags[lane] != nil {
                outs.storeBytes(of: logs[lane], toByteOffset: lane * MemoryLayout<UnsafeMutablePointer<cvm_boundary>?>.stride,
                                as: UnsafeMutablePointer<cvm_boundary>?.self)
            }
        }
        block.needsRoom = 0
    }
}

extension EventLanes {
    /// Every read's events, in the order given: the reads go through the lanes longest first.
    public static func events(_ reads: [(raw: [Int16], calibration: ChannelCalibration)],
                              parameters: EventDetector.Parameters = .r94DNA, vectorLevel: Int32? = nil) -> [[NanoporeEvent]] {
        let lanes = EventLanes(parameters: parameters, vectorLevel: vectorLevel)
        var found = [[NanoporeEvent]](repeating: [], count: reads.count)
        let order = reads.indices.sorted { reads[$0].raw.count > reads[$1].raw.count || (reads[$0].raw.count == reads[$1].raw.count && $0 < $1) }
        var next = 0
        while next < order.count || !lanes.isIdle {
            while next < order.count && lanes.hasFreeLane {
                let k = order[next]
                reads[k].raw.withUnsafeBufferPointer { lanes.begin($0, calibration: reads[k].calibration, tag: k) { found[$0] = $1 } }
                next += 1
            }
            lanes.run { found[$0] = $1 }
        }
        return found
    }
}
