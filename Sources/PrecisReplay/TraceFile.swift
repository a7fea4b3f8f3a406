import Foundation
import PrecisCore

/// A recorded session with an instrument: every write and read on its transport, in order,
/// with the time since the session began. Stored as JSON Lines, one header line and one
/// line per operation, so a trace diffs and greps like text:
///
/// ```
/// {"format":"precis-trace","version":1,"family":"lfr","endpoint":"usb:1-4","created":"2026-11-22T15:00:00Z"}
/// {"t":0.000412,"op":"write","hex":"0301030101…00"}
/// {"t":0.003100,"op":"read","hex":"1901812801…00"}
/// {"t":1.204000,"op":"read","error":"disconnected","message":"device gone"}
/// ```
public struct TraceFile: Sendable, Equatable {
    /// The header: what was recorded and when.
    public struct Header: Codable, Sendable, Equatable {
        /// Always `precis-trace`.
        public var format = "precis-trace"
        /// The format version, 1.
        public var version = 1
        /// The device family, when known.
        public var family: String?
        /// The transport recorded.
        public var endpoint: String
        /// When recording began, ISO 8601.
        public var created: String
        /// The instrument's model (device.json's `devices[].model`), for a family of several
        /// models its protocol cannot tell apart; absent in older traces.
        public var model: String? = nil
    }

    /// One operation.
    public struct Event: Codable, Sendable, Equatable {
        /// Seconds since the session began.
        public var t: Double
        /// `write` or `read`.
        public var op: String
        /// The bytes, when the operation succeeded.
        public var hex: String?
        /// The error kind, when it failed.
        public var error: String?
        /// The error message, when it failed.
        public var message: String?
    }

    /// The header.
    public var header: Header
    /// The operations in order.
    public var events: [Event]

    /// The largest trace file read, in bytes (a recorded assay run is a few KiB).
    public static let maxFileBytes = 64 << 20

    /// Reads a trace file (at most `maxFileBytes`), with an error naming the line that is wrong.
    public init(contentsOf url: URL) throws {
        let text = try BoundedFile.text(url, limit: Self.maxFileBytes, what: "trace \(url.lastPathComponent)")
        try JSONLimits.check(Data(text.utf8), source: "trace \(url.lastPathComponent)")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { throw PrecisError(.input, "trace \(url.path) is empty") }
        let decoder = JSONDecoder()
        do {
            header = try decoder.decode(Header.self, from: Data(first.utf8))
        } catch {
            throw PrecisError(.input, "trace \(url.path) line 1 is not a precis-trace header")
        }
        guard header.format == "precis-trace", header.version == 1 else {
            throw PrecisError(.input, "trace \(url.path) is \(header.format) version \(header.version), expected precis-trace 1")
        }
        events = try lines.dropFirst().enumerated().map { index, line in
            guard let event = try? decoder.decode(Event.self, from: Data(line.utf8)),
                  event.op == "write" || event.op == "read", (event.hex != nil) != (event.error != nil) else {
                throw PrecisError(.input, "trace \(url.path) line \(index + 2) is not a trace event")
            }
            return event
        }
    }

    /// Makes a trace in memory.
    public init(header: Header, events: [Event]) {
        self.header = header
        self.events = events
    }

    /// The script a `ScriptedTransport` plays to reproduce this session.
    public func script() throws -> [ScriptStep] {
        try events.enumerated().map { index, event in
            if let errorName = event.error {
                return .fail(ErrorKind(rawValue: errorName) ?? .other, event.message ?? errorName)
            }
            guard let hex = event.hex, let bytes = [UInt8](hexString: hex) else {
                throw PrecisError(.input, "trace event \(index + 1) has bad hex")
            }
            return event.op == "write" ? .expectWrite(bytes) : .reply(bytes)
        }
    }
}
