import Foundation
import PrecisCore
import PrecisFormats
import PrecisSignal

/// One read's events, as `precis events` prints them.
public struct ReadEvents: Sendable, Codable {
    /// The read id.
    public var readID: String
    /// Samples in the read.
    public var samples: Int
    /// Its events (start, length in samples; mean, stdv in pA).
    public var events: [EventSummary]
}

/// One event of a read: a stretch of samples at one current level.
public struct EventSummary: Sendable, Codable, Equatable {
    /// Index of the first sample, from the start of the read.
    public var start: Int
    /// Samples in the event.
    public var length: Int
    /// Mean current (pA).
    public var mean: Float
    /// Standard deviation (pA).
    public var stdv: Float

    init(_ event: NanoporeEvent) {
        start = event.start
        length = event.length
        mean = event.mean
        stdv = event.stdv
    }
}

/// What `precis events` found in a file.
public struct EventsReport: Sendable, Codable {
    /// The file.
    public var file: String
    /// The detector's parameters.
    public var parameters: EventDetectionSettings
    /// Per read.
    public var reads: [ReadEvents]
    /// Makes a report.
    public init(file: String, parameters: EventDetectionSettings, reads: [ReadEvents]) {
        self.file = file
        self.parameters = parameters
        self.reads = reads
    }
}

/// The event detector's settings: two windows, their thresholds and the peak height (scrappie's detector).
public struct EventDetectionSettings: Sendable, Codable, Equatable {
    /// Short window (samples).
    public var windowLength1: Int
    /// Long window (samples).
    public var windowLength2: Int
    /// Short detector's peak threshold.
    public var threshold1: Float
    /// Long detector's peak threshold.
    public var threshold2: Float
    /// How far a t-statistic must rise and fall to count as a peak.
    public var peakHeight: Float

    /// Makes settings.
    public init(windowLength1: Int, windowLength2: Int, threshold1: Float, threshold2: Float, peakHeight: Float) {
        self.windowLength1 = windowLength1
        self.windowLength2 = windowLength2
        self.threshold1 = threshold1
        self.threshold2 = threshold2
        self.peakHeight = peakHeight
    }

    /// scrappie's defaults, the values used for R9.4 DNA: windows 3 and 6, thresholds 1.4 and 9.0, peak height 0.2.
    public static let r94DNA =
        EventDetectionSettings(EventDetector.Parameters.r94DNA)

    /// Nil when usable, otherwise why not.
    public var problem: String? { detector.problem }

    init(_ p: EventDetector.Parameters) {
        self.init(windowLength1: p.windowLength1, windowLength2: p.windowLength2, threshold1: p.threshold1,
                  threshold2: p.threshold2, peakHeight: p.peakHeight)
    }

    /// The detector's own parameters.
    var detector: EventDetector.Parameters {
        EventDetector.Parameters(windowLength1: windowLength1, windowLength2: windowLength2, threshold1: threshold1,
                                 threshold2: threshold2, peakHeight: peakHeight)
    }
}

extension Runtime {
    /// Runs the event detector offline on every read of a SLOW5/BLOW5 file (pA as slow5lib
    /// converts it); `only` limits it to some read ids. The reads go through `EventLanes`, sixteen
    /// to a block, on `threads` threads (default: every core), and `each` gets them in file order,
    /// on the calling thread, with exactly the events `EventDetector` gives each alone.
    public static func detectEvents(_ url: URL, parameters: EventDetectionSettings = .r94DNA, only: Set<String> = [],
                                    threads: Int? = nil,
                                    each: (ReadEvents) throws -> Void) throws -> (parameters: EventDetectionSettings, reads: Int) {
        if let problem = parameters.problem { throw PrecisError(.input, "event detector: \(problem)") }
        let reader = try SLOW5Reader(url: url)
        let threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let work = EventWork(limit: 8 * threads * EventLanes.lanes)
        work.start(threads: threads, parameters: parameters.detector)
        var finished = false
        defer { if !finished { work.close(cancel: true) } }
        var reads: [Int: (id: String, samples: Int)] = [:]
        var count = 0, next = 0
        func ready(_ index: Int, _ events: [EventSummary]) throws {
            let read = reads.removeValue(forKey: index)!
            try each(ReadEvents(readID: read.id, samples: read.samples, events: events))
        }
        var samples = work.buffer()
        while let read = try reader.next(samplesInto: &samples) {
            guard only.isEmpty || only.contains(read.readID) else { continue }
            reads[count] = (read.readID, samples.count)
            try work.submit(.init(index: count, samples: samples, calibration: read.calibration), next: &next, ready)
            samples = work.buffer()
            count += 1
        }
        try work.drain(next: &next, until: { _ in false }, ready)
        finished = true
        work.close()
        if !only.isEmpty && count < only.count {
            throw PrecisError(.input, "\(url.lastPathComponent) lacks \(only.count - count) of the reads asked for")
        }
        return (parameters, count)
    }

    /// The same, one read at a time through the scalar `EventDetector` on the calling thread: the
    /// statement the lanes must equal (the tests compare the two).
    static func detectEventsScalar(_ url: URL, parameters: EventDetectionSettings = .r94DNA, only: Set<String> = [],
                                          each: (ReadEvents) throws -> Void) throws -> (parameters: EventDetectionSettings, reads: Int) {
        if let problem = parameters.problem { throw PrecisError(.input, "event detector: \(problem)") }
        let reader = try SLOW5Reader(url: url)
        var detector = EventDetector(parameters: parameters.detector)
        var count = 0
        while let read = try reader.next() {
            guard only.isEmpty || only.contains(read.readID) else { continue }
            detector.reset()
            var events: [EventSummary] = []
            for x in read.picoamperes { detector.push(x) { events.append(EventSummary($0)) } }
            detector.finish { events.append(EventSummary($0)) }
            try each(ReadEvents(readID: read.readID, samples: read.rawSignal.count, events: events))
            count += 1
        }
        if !only.isEmpty && count < only.count {
            throw PrecisError(.input, "\(url.lastPathComponent) lacks \(only.count - count) of the reads asked for")
        }
        return (parameters, count)
    }
}
