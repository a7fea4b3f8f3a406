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
    public var events: [NanoporeEvent]
}

/// What `precis events` found in a file.
public struct EventsReport: Sendable, Codable {
    /// The file.
    public var file: String
    /// The detector's parameters.
    public var parameters: EventDetector.Parameters
    /// Per read.
    public var reads: [ReadEvents]
    /// Makes a report.
    public init(file: String, parameters: EventDetector.Parameters, reads: [ReadEvents]) {
        self.file = file
        self.parameters = parameters
        self.reads = reads
    }
}

extension Runtime {
    /// Runs the event detector offline on every read of a SLOW5/BLOW5 file (pA as slow5lib
    /// converts it), streaming read by read; `only` limits it to some read ids.
    public static func detectEvents(_ url: URL, parameters: EventDetector.Parameters = .r94DNA, only: Set<String> = [],
                                    each: (ReadEvents) throws -> Void) throws -> (parameters: EventDetector.Parameters, reads: Int) {
        if let problem = parameters.problem { throw PrecisError(.input, "event detector: \(problem)") }
        let reader = try SLOW5Reader(url: url)
        var detector = EventDetector(parameters: parameters)
        var count = 0
        while let read = try reader.next() {
            guard only.isEmpty || only.contains(read.readID) else { continue }
            detector.reset()
            var events: [NanoporeEvent] = []
            for x in read.picoamperes { detector.push(x) { events.append($0) } }
            detector.finish { events.append($0) }
            try each(ReadEvents(readID: read.readID, samples: read.rawSignal.count, events: events))
            count += 1
        }
        if !only.isEmpty && count < only.count {
            throw PrecisError(.input, "\(url.lastPathComponent) lacks \(only.count - count) of the reads asked for")
        }
        return (parameters, count)
    }
}
