import Foundation
@testable import PrecisFormats
import PrecisCore
import Testing

private func tempFile(_ name: String) -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precis-slow5-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent(name)
}

/// The real R9.4 read from slow5lib's test data (MIT), kept with the conformance fixtures.
private let testdata = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Tests/Conformance/Fixtures/nanopore")

private let aux = [
    SLOW5AuxField(name: "channel_number", type: .string), SLOW5AuxField(name: "median_before", type: .double),
    SLOW5AuxField(name: "read_number", type: .int32), SLOW5AuxField(name: "start_mux", type: .uint8),
    SLOW5AuxField(name: "start_time", type: .uint64), SLOW5AuxField(name: "end_reason", type: .enumeration(["unknown", "signal_positive"])),
]

private func sampleReads() -> [SLOW5Read] {
    [
        SLOW5Read(readID: "r-1", digitisation: 8192, offset: 23, range: 1467.61, samplingRate: 4000,
                  rawSignal: [1039, 588, -5, Int16.min, Int16.max, 0],
                  aux: ["channel_number": .string("12"), "median_before": .real(229.5), "read_number": .int(7),
                        "start_mux": .uint(1), "start_time": .uint(123_456_789_012), "end_reason": .uint(1)]),
        SLOW5Read(readID: "r-2", digitisation: 2048, offset: -3.5, range: 1400.25, samplingRate: 5000, rawSignal: [],
                  aux: ["channel_number": .missing, "median_before": .missing, "read_number": .missing,
                        "start_mux": .missing, "start_time": .missing, "end_reason": .missing]),
    ]
}

@Suite struct SLOW5Tests {
    @Test(arguments: ["one_fast5_exp_1_default.slow5", "one_fast5_exp_1_default.blow5"])
    func theRealReadIsReadWithItsHeader(_ name: String) throws {
        let (header, reads) = try SLOW5Reader.readAll(testdata.appendingPathComponent(name))
        #expect(reads.count == 1)
        let read = try #require(reads.first)
        #expect(read.readID == "a649a4ae-c43d-492a-b6a1-a5b8b8076be4")
        #expect(read.rawSignal.count == 59676)
        #expect(Array(read.rawSignal.prefix(4)) == [1039, 588, 588, 593])
        #expect(read.digitisation == 8192 && read.offset == 23 && read.range == 1467.61 && read.samplingRate == 4000)
        #expect(header.attribute("flow_cell_id") == "FAB43577")
        #expect(header.attribute("sample_frequency") == "4000")
        #expect(header.attributeNames.count == 32)
        #expect(abs(read.picoamperes[0] - 190.25902) < 1e-4)
    }

    @Test func bothFormatsOfTheRealReadAgree() throws {
        let (h1, r1) = try SLOW5Reader.readAll(testdata.appendingPathComponent("one_fast5_exp_1_default.slow5"))
        let (h2, r2) = try SLOW5Reader.readAll(testdata.appendingPathComponent("one_fast5_exp_1_default.blow5"))
        #expect(r1 == r2)
        #expect(h1.readGroups == h2.readGroups && h1.attributeNames == h2.attributeNames)
    }

    @Test(arguments: [("x.slow5", SLOW5SignalCompression.none), ("x.blow5", .none), ("svb.blow5", .svbZD)])
    func whatIsWrittenIsReadBackIdentically(_ name: String, _ signal: SLOW5SignalCompression) throws {
        let url = tempFile(name)
        let header = SLOW5Header(attributes: [("run_id", "abc"), ("empty", ""), ("sample_frequency", "4000")], auxFields: aux)
        let writer = try SLOW5Writer(url: url, header: header, signalCompression: signal)
        for read in sampleReads() { try writer.write(read) }
        #expect(FileManager.default.fileExists(atPath: url.path + ".partial"))
        try writer.finish()
        #expect(!FileManager.default.fileExists(atPath: url.path + ".partial"))
        let (back, reads) = try SLOW5Reader.readAll(url)
        #expect(reads == sampleReads())
        #expect(back.attribute("run_id") == "abc")
        #expect(back.attribute("empty") == nil)   // written as "." (missing)
        #expect(back.auxFields == aux)
    }

    @Test func streamVByteZigZagDeltaRoundTripsEveryWidth() throws {
        let samples: [Int16] = [0, 1, -1, 127, -128, 300, -300, Int16.max, Int16.min, Int16.max, 5, 5, 5]
        let bytes = StreamVByte.encodeZigZagDelta(samples)
        #expect(try StreamVByte.decodeZigZagDelta(bytes, name: "t") == samples)
        // 13 values: 4 count bytes + 4 control bytes; Int16.max - Int16.min needs 3 bytes zig-zagged.
        #expect(bytes.count > 8)
        #expect(throws: PrecisError.self) { try StreamVByte.decodeZigZagDelta(Array(bytes.dropLast()), name: "t") }
        // Widths 1, 2 and 3 at every position of a control byte, and the empty signal.
        let mixed: [Int16] = (0..<4099).map { i in [0, 200, -20_000, 32_000, 3][i % 5] &+ Int16(truncatingIfNeeded: i % 7) }
        #expect(try StreamVByte.decodeZigZagDelta(StreamVByte.encodeZigZagDelta(mixed), name: "t") == mixed)
        #expect(StreamVByte.encodeZigZagDelta([]) == [0, 0, 0, 0])
    }

    @Test func aBLOW5CutShortSaysSo() throws {
        let url = tempFile("cut.blow5")
        let full = try Data(contentsOf: testdata.appendingPathComponent("one_fast5_exp_1_default.blow5"))
        try full.prefix(full.count - 5).write(to: url)   // EOF marker gone
        let reader = try SLOW5Reader(url: url)
        _ = try reader.next()
        let error = try #require(throws: PrecisError.self) { _ = try reader.next() }
        #expect(error.kind == .input && error.message.contains("end-of-file marker"))
        try full.prefix(full.count - 500).write(to: url)  // record cut
        let error2 = try #require(throws: PrecisError.self) { _ = try SLOW5Reader.readAll(url) }
        #expect(error2.message.contains("cut short") || error2.message.contains("truncated"))
    }

    @Test func damagedTextRecordsNameTheReadAndTheField() throws {
        let url = tempFile("bad.slow5")
        let good = try String(contentsOf: testdata.appendingPathComponent("one_fast5_exp_1_default.slow5"), encoding: .utf8)
        try good.replacingOccurrences(of: "\t59676\t", with: "\t59677\t").write(to: url, atomically: true, encoding: .utf8)
        let error = try #require(throws: PrecisError.self) { _ = try SLOW5Reader.readAll(url) }
        #expect(error.message.contains("a649a4ae") && error.message.contains("59677"))
        try "hello\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: PrecisError.self) { _ = try SLOW5Reader(url: url) }
        try good.replacingOccurrences(of: "#slow5_version\t0.1.0", with: "#slow5_version\t7.0.0")
            .write(to: url, atomically: true, encoding: .utf8)
        let newer = try #require(throws: PrecisError.self) { _ = try SLOW5Reader(url: url) }
        #expect(newer.message.contains("newer"))
    }

    @Test func headerValuesWithTabsAreRefused() throws {
        let header = SLOW5Header(attributes: [("note", "a\tb")])
        #expect(throws: PrecisError.self) { _ = try SLOW5Writer(url: tempFile("t.slow5"), header: header) }
    }
}

@Suite struct SLOW5SalvageTests {
    /// A writer that died mid-record: every whole read is kept, the torn one dropped, and the
    /// file ends properly so that any SLOW5 reader takes it.
    @Test(arguments: ["dead.blow5", "dead.slow5"])
    func aDeadWritersPartialFileIsFinishedUpToItsLastWholeRead(_ name: String) throws {
        let url = tempFile(name)
        let reads = (0..<3).map {
            SLOW5Read(readID: "r\($0)", digitisation: 8192, offset: 4, range: 1400, samplingRate: 5000,
                      rawSignal: (0..<500).map { Int16($0 % 97) })
        }
        do {
            let writer = try SLOW5Writer(url: url, header: SLOW5Header(attributes: [("run_id", "x")]))
            for read in reads { try writer.write(read) }
            try writer.flush()
        }
        let partial = URL(fileURLWithPath: url.path + ".partial")
        let whole = try Data(contentsOf: partial)
        try whole.prefix(whole.count - 100).write(to: partial)   // the third record torn
        #expect(try SLOW5Writer.salvage(partial: partial, to: url) == 2)
        let (_, back) = try SLOW5Reader.readAll(url)
        #expect(back == Array(reads.prefix(2)))
        #expect(!FileManager.default.fileExists(atPath: partial.path))
    }
}
