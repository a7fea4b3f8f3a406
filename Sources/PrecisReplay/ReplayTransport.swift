import Foundation
import PrecisCore

/// Plays a recorded trace back to a driver, as fast as possible or at the recorded pace,
/// and fails loudly when the driver's writes depart from what was recorded.
public actor ReplayTransport: Transport {
    /// `replay:<file>`.
    public nonisolated let endpointDescription: String
    private let script: ScriptedTransport
    private let times: [Double]
    private let paced: Bool
    private var step = 0
    private let start = ContinuousClock.now
    /// The model the trace was recorded from, if it says.
    public nonisolated let model: String?

    /// Replays `trace`; with `paced`, each read waits until its recorded time.
    public init(trace: TraceFile, paced: Bool = false, name: String = "replay") throws {
        script = ScriptedTransport(try trace.script(), name: name)
        model = trace.header.model
        times = trace.events.map(\.t)
        self.paced = paced
        endpointDescription = name
    }

    /// Replays the trace in `url`.
    public init(contentsOf url: URL, paced: Bool = false) throws {
        try self.init(trace: TraceFile(contentsOf: url), paced: paced, name: "replay:\(url.lastPathComponent)")
    }

    /// Checks the write against the recording.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        step += 1
        try await script.write(bytes, timeout: timeout)
    }

    /// Returns the next recorded read, at its recorded time when paced.
    public func read(timeout: Duration) async throws -> [UInt8] {
        if paced, step < times.count {
            let due = start + .milliseconds(Int(times[step] * 1000))
            let now = ContinuousClock.now
            if due > now {
                guard due - now <= timeout else {
                    try await Task.sleep(for: timeout)
                    throw PrecisError(.timeout, "nothing recorded within \(timeout)")
                }
                try await Task.sleep(until: due, clock: .continuous)
            }
        }
        step += 1
        return try await script.read(timeout: timeout)
    }

    /// Nothing to release.
    public func close() async {}

    /// Throws when the driver diverged from the recording or did not play all of it.
    public func verifyDone() async throws { try await script.verifyDone() }
}

/// Wraps any transport and writes every operation to a trace file as it happens (one JSON
/// line each, flushed, so a crash keeps all but the last line).
public actor RecordingTransport: Transport {
    /// The wrapped transport's description.
    public nonisolated let endpointDescription: String
    private let inner: any Transport
    private let handle: FileHandle
    private let start = ContinuousClock.now
    private let encoder = JSONEncoder()
    private var closed = false

    /// Records `inner` into a new file at `url`.
    public init(wrapping inner: any Transport, to url: URL, family: DeviceFamily?, model: String? = nil) throws {
        self.inner = inner
        endpointDescription = inner.endpointDescription
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: url) else {
            throw PrecisError(.input, "cannot create trace file \(url.path)")
        }
        self.handle = handle
        encoder.outputFormatting = [.sortedKeys]
        let header = TraceFile.Header(family: family?.name, endpoint: inner.endpointDescription,
                                      created: ISO8601DateFormatter().string(from: Date()), model: model)
        handle.write((try encoder.encode(header)) + Data("\n".utf8))
    }

    /// Writes through and records the bytes, or the failure.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        do {
            try await inner.write(bytes, timeout: timeout)
            record(op: "write", hex: bytes.hexString)
        } catch {
            record(op: "write", failure: error.asPrecisError)
            throw error
        }
    }

    /// Reads through and records the bytes, or the failure (a timeout too).
    public func read(timeout: Duration) async throws -> [UInt8] {
        do {
            let bytes = try await inner.read(timeout: timeout)
            record(op: "read", hex: bytes.hexString)
            return bytes
        } catch {
            record(op: "read", failure: error.asPrecisError)
            throw error
        }
    }

    /// Closes the trace file and the wrapped transport.
    public func close() async {
        guard !closed else { return }
        closed = true
        try? handle.close()
        await inner.close()
    }

    private func record(op: String, hex: String? = nil, failure: PrecisError? = nil) {
        guard !closed else { return }
        let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - start).components.seconds)
        let event = TraceFile.Event(t: (seconds * 1e6).rounded() / 1e6, op: op, hex: hex,
                                    error: failure?.kind.rawValue, message: failure?.message)
        if let line = try? encoder.encode(event) { handle.write(line + Data("\n".utf8)) }
    }
}
