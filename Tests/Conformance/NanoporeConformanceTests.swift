import Crypto
import Foundation
import PrecisCore
import PrecisFormats
import PrecisRuntime
import PrecisSignal
import PrecisStore
import Testing

/// The real R9.4 read (59,676 samples) from slow5lib's test data (MIT), as SLOW5 and BLOW5.
private let realRead = Repo.fixture("nanopore")

private func temporary(_ name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precis-np-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent(name)
}

private func json(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// The event table scrappie's `detect_events` printed for the real read.
private func scrappieEvents(_ name: String) throws -> [NanoporeEvent] {
    let text = try String(contentsOf: Repo.fixture("nanopore/\(name)"), encoding: .utf8)
    return text.split(separator: "\n").dropFirst().map { line in
        let f = line.split(separator: "\t")
        return NanoporeEvent(start: Int(f[0])!, length: Int(f[1])!, mean: Float(String(f[2]))!, stdv: Float(String(f[3]))!)
    }
}

@Suite struct EventDetectionConformanceTests {
    /// Reference: ONT's scrappie (github.com/nanoporetech/scrappie, commit 5ccddbc,
    /// src/event_detection.c, MPL-2.0), `detect_events()` compiled with gcc 12 (-O0 -std=c99,
    /// x86-64 SSE arithmetic) and called on the whole read by a small driver that read the
    /// samples as float32 pA from pyslow5 1.5.0 (`get_read(pA=True)` cast to float32) and printed
    /// each event's start, length, mean and stdv with %.9g; the tables are in
    /// Tests/Conformance/Fixtures/nanopore (README there). Our detector must give the same
    /// events, every one, to the last bit: 11,907 with the R9.4 DNA defaults, 8,230 with other
    /// windows and thresholds.
    @Test(arguments: [
        ("scrappie_events_r94_defaults.tsv", EventDetector.Parameters.r94DNA),
        ("scrappie_events_w4_w8_t2.0_t7.5_p0.3.tsv",
         EventDetector.Parameters(windowLength1: 4, windowLength2: 8, threshold1: 2.0, threshold2: 7.5, peakHeight: 0.3)),
    ])
    func eventsEqualScrappiesOnTheRealRead(_ table: String, _ parameters: EventDetector.Parameters) throws {
        let reference = try scrappieEvents(table)
        for file in ["one_fast5_exp_1_default.slow5", "one_fast5_exp_1_default.blow5"] {
            let (_, reads) = try SLOW5Reader.readAll(realRead.appendingPathComponent(file))
            let ours = EventDetector.events(try #require(reads.first).picoamperes, parameters: parameters)
            #expect(ours.count == reference.count, "\(file)")
            let differing = zip(ours, reference).enumerated().filter { $0.element.0 != $0.element.1 }
            #expect(differing.isEmpty, "\(file): first difference at event \(differing.first?.offset ?? -1)")
        }
    }

    /// The same through `precis events --json`'s code path (read by read from the file).
    @Test func theOfflineCommandGivesTheSameEvents() throws {
        var all: [ReadEvents] = []
        _ = try Runtime.detectEvents(realRead.appendingPathComponent("one_fast5_exp_1_default.blow5")) { all.append($0) }
        #expect(all.count == 1)
        // The runtime reports its own EventSummary: the same events, encoded the same.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(try #require(all.first).events)
                == encoder.encode(try scrappieEvents("scrappie_events_r94_defaults.tsv")))
    }
}

@Suite struct SLOW5ConformanceTests {
    /// pyslow5 (slow5lib's binding) and our reader see the same header, reads and samples, on
    /// the real files and on a pyslow5-written BLOW5 with zlib records and svb-zd signals.
    @Test func ourReaderSeesWhatPyslow5Sees() throws {
        let synthetic = try temporary("synthetic.blow5")
        _ = try runReference("slow5_reference.py", ["write", synthetic.path, "8", "2", "2000", "3"])
        for url in [realRead.appendingPathComponent("one_fast5_exp_1_default.slow5"),
                    realRead.appendingPathComponent("one_fast5_exp_1_default.blow5"), synthetic] {
            let reference = try json(runReference("slow5_reference.py", ["dump", url.path]))
            let (header, reads) = try SLOW5Reader.readAll(url)
            let refReads = try #require(reference["reads"] as? [[String: Any]])
            #expect(reads.count == refReads.count)
            for (ours, theirs) in zip(reads, refReads) {
                #expect(ours.readID == theirs["read_id"] as? String)
                #expect(ours.rawSignal.count == theirs["len_raw_signal"] as? Int)
                #expect(ours.digitisation == theirs["digitisation"] as? Double && ours.range == theirs["range"] as? Double
                        && ours.offset == theirs["offset"] as? Double)
                #expect(sha256(ours.rawSignal) == theirs["sha256"] as? String, "\(url.lastPathComponent) \(ours.readID)")
            }
            let headers = try #require(reference["headers"] as? [String: String])
            #expect(headers == header.readGroups[0], "\(url.lastPathComponent)")
        }
    }

    /// What we write, pyslow5 reads: text and binary, header and auxiliary fields included.
    @Test(arguments: [("ours.slow5", SLOW5SignalCompression.none), ("ours.blow5", .none), ("ours-svb.blow5", .svbZD)])
    func pyslow5ReadsWhatWeWrite(_ name: String, _ signal: SLOW5SignalCompression) throws {
        let url = try temporary(name)
        let (header, reads) = try SLOW5Reader.readAll(realRead.appendingPathComponent("one_fast5_exp_1_default.blow5"))
        var withAux = header
        withAux.auxFields = [SLOW5AuxField(name: "channel_number", type: .string), SLOW5AuxField(name: "read_number", type: .int32),
                             SLOW5AuxField(name: "start_time", type: .uint64)]
        let writer = try SLOW5Writer(url: url, header: withAux, signalCompression: signal)
        var read = reads[0]
        read.aux = ["channel_number": .string("42"), "read_number": .int(3), "start_time": .uint(987_654_321)]
        try writer.write(read)
        try writer.finish()
        let reference = try json(runReference("slow5_reference.py", ["dump", url.path]))
        let theirs = try #require((reference["reads"] as? [[String: Any]])?.first)
        #expect(theirs["sha256"] as? String == sha256(read.rawSignal))
        let aux = try #require(theirs["auxValues"] as? [String: Any])
        #expect(aux["channel_number"] as? String == "42")
        #expect(aux["read_number"] as? Int == 3 && aux["start_time"] as? Int == 987_654_321)
        #expect((reference["headers"] as? [String: String]) == header.readGroups[0])
    }
}

@Suite struct SequencingRoundTripTests {
    func run(_ input: URL, channels: Int) async throws -> (URL, SequencingReport) {
        let folder = try temporary("x").deletingLastPathComponent()
        let store = try Store(path: folder.appendingPathComponent("precis.sqlite").path)
        let runtime = Runtime(store: store, catalog: CalibrationCatalog(directory: Repo.root.appendingPathComponent("Calibration")))
        let out = folder.appendingPathComponent("out.blow5")
        let report = try await runtime.sequence(SequencingRequest(
            device: "sim:nps?input=\(input.path)&channels=\(channels)&fast=1", sample: "S-0201", output: out))
        return (out, report)
    }

    func check(_ input: URL, _ output: URL, reads: Int) throws {
        let result = try json(runReference("slow5_reference.py", ["compare", input.path, output.path]))
        #expect(result["matched"] as? Int == reads)
        #expect(result["unmatchedCount"] as? Int == 0, "unmatched: \(result["unmatchedInput"] ?? "")")
        #expect(result["extraOutput"] as? Int == 0)
        #expect((result["calibrationMismatches"] as? [String])?.isEmpty == true)
        #expect((result["headerMismatches"] as? [String])?.isEmpty == true, "\(result["headerMismatches"] ?? "")")
        #expect(result["outputAux"] as? [String] == ["channel_number", "median_before", "read_number", "start_mux",
                                                      "start_time", "end_reason"])
    }

    /// SLOW5 in → simulator → USB stream packets → ring → segmentation → BLOW5 out, and pyslow5
    /// finds the real read with identical samples, calibration and header attributes.
    @Test func theRealReadComesBackIdentical() async throws {
        let input = realRead.appendingPathComponent("one_fast5_exp_1_default.blow5")
        let (out, report) = try await run(input, channels: 512)
        #expect(report.run.status == .completed && report.outcome.totals.reads == 1)
        // The live detector, fed packet by packet, finds scrappie's 11,907 events in the read.
        #expect(report.outcome.totals.events == Int64(try scrappieEvents("scrappie_events_r94_defaults.tsv").count))
        try check(input, out, reads: 1)
    }

    /// A long multi-channel run (512 channels × 4 reads, pyslow5-written with svb-zd): every read
    /// comes back from the streaming path identical.
    @Test func aLongSyntheticMultiChannelRunComesBackIdentical() async throws {
        let input = try temporary("synthetic.blow5")
        _ = try runReference("slow5_reference.py", ["write", input.path, "512", "4", "3000", "11"])
        let (out, report) = try await run(input, channels: 512)
        #expect(report.run.status == .completed && !report.run.flags.contains("DATA_LOSS") && !report.run.flags.contains("RING_OVERFLOW"))
        #expect(report.outcome.totals.reads == 2048)
        try check(input, out, reads: 2048)
    }
}

private func sha256(_ samples: [Int16]) -> String {
    var data = Data()
    for s in samples { Swift.withUnsafeBytes(of: s.littleEndian) { data.append(contentsOf: $0) } }
    return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
