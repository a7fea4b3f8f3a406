import Foundation
import PrecisCore
import PrecisSignal

/// The reads of one `precis events` call between the file's reader (the calling thread) and the
/// detector threads, each with a block of `EventLanes`: reads go out in file order, each worker
/// takes the next as soon as one of its lanes is free, and results come back to the reader, which
/// hands them on in file order. At most `limit` reads are in flight (decoded, not yet handed on),
/// and at most `sampleLimit` samples unless a single read is longer, so memory stays bounded
/// whatever the file holds.
final class EventWork: @unchecked Sendable {
    /// A read for a worker: its number in the file (among those analysed), samples and calibration.
    struct Item {
        let index: Int
        let samples: [Int16]
        let calibration: ChannelCalibration
    }

    let condition = NSCondition()
    let limit: Int
    let sampleLimit: Int
    /// Reads handed out, each slot emptied as a worker takes it, so a taken read's samples are
    /// held only by its worker (and counted in `samplesInFlight` until its result is back).
    var queue: [Item?] = []
    var queueHead = 0
    var results: [Int: [EventSummary]] = [:]
    var inFlight = 0
    var samplesInFlight = 0
    var closed = false
    var running = 0
    /// Sample arrays a worker is done with, for the reader to decode the next reads into (their
    /// storage reused, not allocated and faulted in again for every read).
    var pool: [[Int16]] = []
    var poolLimit = 0

    init(limit: Int, sampleLimit: Int = 1 << 26) {
        self.limit = limit
        self.sampleLimit = sampleLimit
    }

    /// Starts `threads` workers on `parameters`.
    func start(threads: Int, parameters: EventDetector.Parameters) {
        condition.lock()
        running = threads
        poolLimit = 2 * threads * EventLanes.lanes
        condition.unlock()
        for k in 0..<threads {
            let thread = Thread { [self] in work(parameters) }
            thread.name = "precis-events-\(k + 1)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Whether one more read of `count` samples may go out now.
    func hasRoom(for count: Int) -> Bool {
        inFlight == 0 || (inFlight < limit && samplesInFlight + count <= sampleLimit)
    }

    /// Hands a read to the workers; first hands on (through `ready`, on this thread) every result
    /// due in file order, waiting for them while the read would not fit.
    func submit(_ item: Item, next: inout Int, _ ready: (Int, [EventSummary]) throws -> Void) throws {
        try drain(next: &next, until: { $0.hasRoom(for: item.samples.count) }, ready)
        condition.lock()
        queue.append(item)
        inFlight += 1
        samplesInFlight += item.samples.count
        condition.broadcast()
        condition.unlock()
    }

    /// Hands on results in file order until `enough` holds (or none is in flight).
    func drain(next: inout Int, until enough: (EventWork) -> Bool, _ ready: (Int, [EventSummary]) throws -> Void) throws {
        while true {
            condition.lock()
            while results[next] == nil && inFlight > 0 && !enough(self) { condition.wait() }
            guard let found = results.removeValue(forKey: next) else {
                condition.unlock()
                return
            }
            inFlight -= 1
            condition.unlock()
            try ready(next, found)
            next += 1
        }
    }

    /// No more reads: the workers end once the queue is empty (at once, with `cancel`); returns
    /// when they have.
    func close(cancel: Bool = false) {
        condition.lock()
        closed = true
        if cancel {
            queue.removeAll()
            queueHead = 0
        }
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    /// The next read for a worker; waits for one when `wait` (nil once closed and empty).
    func take(wait: Bool) -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while queueHead == queue.count {
            if closed || !wait { return nil }
            condition.wait()
        }
        let item = queue[queueHead]!
        queue[queueHead] = nil
        queueHead += 1
        if queueHead > 1024 {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return item
    }

    /// An array for the reader to decode a read into: one a worker gave back, else a new one.
    func buffer() -> [Int16] {
        condition.lock()
        defer { condition.unlock() }
        return pool.popLast() ?? []
    }

    /// A read's samples, copied into a lane, given back for another read (unless the pool is full
    /// or the array is one of a very long read, whose storage is let go).
    func recycle(_ samples: consuming [Int16]) {
        guard samples.capacity <= 1 << 20 else { return }
        condition.lock()
        if pool.count < poolLimit { pool.append(samples) }
        condition.unlock()
    }

    func complete(_ index: Int, _ events: [EventSummary], samples: Int) {
        condition.lock()
        results[index] = events
        samplesInFlight -= samples
        condition.broadcast()
        condition.unlock()
    }

    /// One worker: keeps its lanes full with the reads it can take, and runs them.
    func work(_ parameters: EventDetector.Parameters) {
        let lanes = EventLanes(parameters: parameters)
        var samples = [Int: Int]()
        func done(_ index: Int, _ events: [NanoporeEvent]) {
            complete(index, events.map(EventSummary.init), samples: samples.removeValue(forKey: index) ?? 0)
        }
        while true {
            while lanes.hasFreeLane, let item = take(wait: lanes.isIdle) {
                samples[item.index] = item.samples.count
                item.samples.withUnsafeBufferPointer { lanes.begin($0, calibration: item.calibration, tag: item.index, done) }
                recycle(item.samples)
            }
            if lanes.isIdle { break }
            lanes.run(done)
        }
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
