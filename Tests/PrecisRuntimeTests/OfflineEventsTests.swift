import Foundation
import PrecisCore
import PrecisFormats
@testable import PrecisRuntime
import Testing

/// `precis events`' path (reads through the sixteen-lane kernel on several threads, results in
/// file order) against the one it replaced (each read alone through the scalar detector, kept as
/// `detectEventsScalar`): the same reads, in the same order, with the same events, on the real
/// reads and on synthetic files of 1, 15, 16, 17 and 1,000 reads of mixed lengths.
@Suite struct OfflineEventsTests {
    static let realReads = repoRoot.appendingPathComponent("Tests/Conformance/Fixtures/nanopore")

    /// A BLOW5 file (zlib records, svb-zd signals, as a run writes them) of `count` reads of mixed
    /// lengths (0 to about 9,000 samples, a few long ones), from a fixed seed.
    static func synthetic(_ count: Int, in folder: URL, signal: SLOW5SignalCompression = .svbZD) throws -> URL {
        let url = folder.appendingPathComponent("reads\(count).blow5")
        let writer = try SLOW5Writer(url: url, header: SLOW5Header(attributes: [("run_id", "synthetic")]),
                                     signalCompression: signal)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(count + 1) | 1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        for k in 0..<count {
            let n = k % 97 == 5 ? 30_000 + Int(next() % 20_000) : Int(next() % 9_000)
            var raw: [Int16] = []
            raw.reserveCapacity(n)
            var level = 400
            while raw.count < n {
                if next() % 8 == 0 { level = 300 + Int(next() % 400) }
                raw.append(Int16(level + Int(next() % 25) - 12))
            }
            try writer.write(SLOW5Read(readID: "read-\(k)", digitisation: 8192, offset: Double(k % 17), range: 1467.61,
                                       samplingRate: 4000, rawSignal: raw))
        }
        try writer.finish()
        return url
    }

    func expectSame(_ url: URL, threads: Int?, only: Set<String> = [], _ label: String) throws {
        var lanes: [ReadEvents] = [], alone: [ReadEvents] = []
        let a = try Runtime.detectEvents(url, only: only, threads: threads) { lanes.append($0) }
        let b = try Runtime.detectEventsScalar(url, only: only) { alone.append($0) }
        #expect(a.reads == b.reads && lanes.count == alone.count, "\(label): \(lanes.count) reads, alone \(alone.count)")
        for (x, y) in zip(lanes, alone) {
            let same = x.readID == y.readID && x.samples == y.samples && x.events == y.events
            #expect(same, "\(label): read \(y.readID) has \(x.events.count) events, alone \(y.events.count)")
            if !same { return }
        }
    }

    @Test func theRealReadsGetTodaysEvents() throws {
        for file in ["one_fast5_exp_1_default.blow5", "one_fast5_exp_1_default.slow5"] {
            for threads in [1, 2] {
                try expectSame(Self.realReads.appendingPathComponent(file), threads: threads, "\(file), \(threads) threads")
            }
        }
    }

    @Test(arguments: [1, 15, 16, 17, 1_000])
    func syntheticFilesGetTodaysEventsInFileOrder(_ count: Int) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try Self.synthetic(count, in: folder)
        for threads in [nil, 1, 3] { try expectSame(url, threads: threads, "\(count) reads, threads \(threads.map(String.init) ?? "default")") }
        let some: Set<String> = ["read-0", "read-\(count / 2)", "read-\(count - 1)"]
        try expectSame(url, threads: 2, only: some, "\(count) reads, three of them")
    }

    /// Plain samples (signal compression none) decode through their own path.
    @Test func uncompressedSignalsToo() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try expectSame(try Self.synthetic(17, in: folder, signal: .none), threads: 2, "17 plain reads")
    }

    /// A failure from the caller stops the work and comes back as it was thrown.
    @Test func anErrorFromTheCallerEndsTheWork() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try Self.synthetic(100, in: folder)
        var seen = 0
        #expect(throws: PrecisError.self) {
            _ = try Runtime.detectEvents(url, threads: 2) { _ in
                seen += 1
                if seen == 3 { throw PrecisError(.storage, "stop") }
            }
        }
        #expect(seen == 3)
    }
}
