import Foundation
@testable import PrecisFormats
import PrecisCore
import Testing

/// Each file format reader refuses what is past its stated limits with an `.input` error that
/// names the limit and the value, before it allocates for it.
@Suite struct ReaderLimitsTests {
    /// The message of the `.input` error `body` throws.
    func refusal(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do { try body() } catch let error as PrecisError {
            #expect(error.kind == .input, sourceLocation: sourceLocation)
            return error.message
        } catch { Issue.record("not a PrecisError: \(error)", sourceLocation: sourceLocation) }
        Issue.record("nothing was refused", sourceLocation: sourceLocation)
        return ""
    }

    static func rdml(cycles: [String] = (1...40).map(String.init), rows: Int = 8, columns: Int = 12, inner: String = "") -> Data {
        let points = cycles.map { "<adp><cyc>\($0)</cyc><fluor>5</fluor></adp>" }.joined()
        return Data("""
            <rdml version="1.4"><dye id="SYBR"/><sample id="S1"><type>unkn</type></sample>
            <target id="T1"><type>toi</type><dyeId id="SYBR"/></target>\(inner)
            <experiment id="E1"><run id="x"><pcrFormat><rows>\(rows)</rows><columns>\(columns)</columns></pcrFormat>
            <react id="1"><sample id="S1"/><data><tar id="T1"/>\(points)</data></react></run></experiment></rdml>
            """.utf8)
    }

    @Test func rdmlCyclesPlatesAndPointsAreBounded() throws {
        _ = try RDMLDocument(data: Self.rdml(), source: "ok.rdml")
        #expect(refusal { _ = try RDMLDocument(data: Self.rdml(cycles: ["1", "1e9"]), source: "c.rdml") }
                == "c.rdml: RDML run 'x' has 1000000000 cycles (experiment E1, run x, well A1, target T1); Precis reads at most 10000")
        #expect(refusal { _ = try RDMLDocument(data: Self.rdml(rows: 1000, columns: 1000), source: "p.rdml") }
                .contains("has a 1000×1000 plate; Precis reads at most 32×48"))
        #expect(refusal { _ = try RDMLDocument(data: Self.rdml(cycles: Array(repeating: "1", count: 10_001)), source: "n.rdml") }
                .contains("10001 amplification and 0 melting points; Precis reads at most 10000 and 10000"))
    }

    @Test func xmlDepthAndTextAreBounded() throws {
        func nested(_ depth: Int) -> Data {
            Data(("<rdml version=\"1.4\">" + String(repeating: "<a>", count: depth - 1) + String(repeating: "</a>", count: depth - 1) + "</rdml>").utf8)
        }
        _ = try XMLElement.parse(nested(XMLLimits.maxDepth), source: "ok.xml")
        #expect(refusal { _ = try XMLElement.parse(nested(XMLLimits.maxDepth + 1), source: "d.xml") }
                == "d.xml nests elements deeper than 64 levels (line 1); Precis reads at most 64")
        let text = Data(("<rdml>" + String(repeating: "x", count: XMLLimits.maxTextBytes + 1) + "</rdml>").utf8)
        #expect(refusal { _ = try XMLElement.parse(text, source: "t.xml") }.contains("bytes of text in one <rdml>"))
    }

    /// Found by `make fuzz`: a byte that is not UTF-8 in an element or attribute name made
    /// FoundationXML trap (SIGILL; CLILimitsTests runs that case, which would end this process).
    /// Here, in text, where it was a parse error: the same refusal.
    @Test(arguments: ["<rdml version=\"1.4\">\u{FF}</rdml>"])
    func xmlThatIsNotUTF8IsRefused(_ text: String) throws {
        let bytes = Data(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
        #expect(refusal { _ = try XMLElement.parse(bytes, source: "n.rdml") } == "n.rdml is not UTF-8 text; Precis reads RDML written in UTF-8")
    }

    /// Found by `make fuzz`: `<?x?>` (a processing instruction without data) made FoundationXML
    /// call strlen(NULL) (SIGSEGV; CLILimitsTests runs it). What may pass is still read.
    @Test func processingInstructionsWithoutDataAreFoundBeforeTheParser() throws {
        #expect(emptyProcessingInstruction(in: Data("<rdml>\n<?x?></rdml>".utf8)) == 2)
        #expect(emptyProcessingInstruction(in: Data("<?xml?><rdml/>".utf8)) == 1)
        #expect(emptyProcessingInstruction(in: Data("<?xml version=\"1.0\"?><?x ?><?s href=\"a\"?><rdml/>".utf8)) == nil)
        _ = try XMLElement.parse(Data("<?xml version=\"1.0\"?><rdml><?x a?></rdml>".utf8), source: "ok.xml")
    }

    @Test func zipEntriesAndInflatedSizeAreBounded() throws {
        let many = ZipArchive.archive((0...ZipArchive.maxEntries).map { ("f\($0).xml", Data("<a/>".utf8)) })
        #expect(refusal { _ = try ZipArchive.entries(many) } == "the ZIP archive has 65 entries; Precis reads at most 64")
        // One small stored entry whose central directory claims it inflates past the limit.
        var big = [UInt8](ZipArchive.archive([("rdml_data.xml", Data("<a/>".utf8))]))
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        let found: Int? = (0..<big.count - 4).first { (i: Int) -> Bool in Array(big[i..<(i + 4)]) == signature }
        let central = try #require(found)
        let claimed = UInt32(ZipArchive.maxInflatedBytes + 1)
        for i in 0..<4 { big[central + 24 + i] = UInt8((claimed >> (8 * UInt32(i))) & 0xFF) }
        #expect(refusal { _ = try ZipArchive.entries(Data(big)) }.contains("would inflate to more than 67108864 bytes"))
    }

    /// The real read with its first record's `column` set to `value`, as a text SLOW5 file.
    func slow5(_ edit: (inout [String]) -> Void) throws -> URL {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Conformance/Fixtures/nanopore/one_fast5_exp_1_default.slow5")
        var lines = try String(contentsOf: fixture, encoding: .utf8).components(separatedBy: "\n")
        edit(&lines)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).slow5")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func record(_ column: Int, _ value: String) -> (inout [String]) -> Void {
        { lines in
            let i = lines.firstIndex { !$0.hasPrefix("#") && !$0.hasPrefix("@") && !$0.isEmpty }!
            var fields = lines[i].components(separatedBy: "\t")
            fields[column] = value
            lines[i] = fields.joined(separator: "\t")
        }
    }

    @Test(arguments: [(3, "nan", "has offset nan, not a finite number"),
                      (4, "inf", "range inf, sampling rate 4000.0: each must be a positive finite number"),
                      (6, "40000000", "has 40000000 samples; Precis reads at most 32000000")])
    func slow5TextRecordsAreBounded(column: Int, value: String, message: String) throws {
        let url = try slow5(record(column, value))
        #expect(refusal { _ = try SLOW5Reader.readAll(url) }.contains(message))
    }

    @Test func slow5ReadGroupsAreBounded() throws {
        let url = try slow5 { lines in lines[1] = "#num_read_groups\t2000" }
        #expect(refusal { _ = try SLOW5Reader(url: url) }.contains("the header has 2000 read groups; Precis reads at most 1024"))
    }

    @Test(arguments: [(Double.nan, 1467.61, "has offset nan"), (23, Double.infinity, "range inf")])
    func blow5NonFiniteScalingIsRefused(offset: Double, range: Double, message: String) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).blow5")
        let writer = try SLOW5Writer(url: url, header: SLOW5Header(attributes: [("run_id", "abc")], auxFields: []),
                                     recordCompression: .none)
        try writer.write(SLOW5Read(readID: "r-1", digitisation: 8192, offset: offset, range: range, samplingRate: 4000,
                                   rawSignal: [1, 2, 3], aux: [:]))
        try writer.finish()
        #expect(refusal { _ = try SLOW5Reader.readAll(url) }.contains(message))
    }

    @Test func blow5HeaderSizeIsBounded() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).blow5")
        let writer = try SLOW5Writer(url: url, header: SLOW5Header(attributes: [("run_id", "abc")], auxFields: []))
        try writer.finish()
        var bytes = try [UInt8](Data(contentsOf: url))
        bytes += [UInt8](repeating: 0, count: 2 << 20)
        let claimed = UInt32(2 << 20)
        for i in 0..<4 { bytes[64 + i] = UInt8((claimed >> (8 * UInt32(i))) & 0xFF) }
        try Data(bytes).write(to: url)
        #expect(refusal { _ = try SLOW5Reader(url: url) }.contains("claims 2097152 bytes; Precis reads at most 1048576"))
    }

    @Test func csvRowsColumnsAndFieldsAreBounded() throws {
        _ = try CSVTable(text: "a,b\n1,2\r\n3,4\n")
        let rows = "x\n" + String(repeating: "1\n", count: CSVTable.maxRows)
        #expect(refusal { _ = try CSVTable(text: rows, source: "r.csv") } == "r.csv has more than 100000 rows; Precis reads at most 100000")
        let columns = Array(repeating: "c", count: CSVTable.maxColumns + 2).joined(separator: ",")
        #expect(refusal { _ = try CSVTable(text: columns, source: "c.csv") }.contains("more than 256 fields; Precis reads at most 256"))
        // Found by make fuzz: 257 fields, then the newline, slipped past the check.
        let exactly = Array(repeating: "c", count: CSVTable.maxColumns + 1).joined(separator: ",") + "\n"
        #expect(refusal { _ = try CSVTable(text: exactly + exactly, source: "e.csv") } == "e.csv row 1 has more than 256 fields; Precis reads at most 256")
        #expect(refusal { _ = try CSVTable(text: "a\n" + exactly.dropLast(), source: "l.csv") } == "l.csv row 2 has more than 256 fields; Precis reads at most 256")
        let field = "x\n" + String(repeating: "9", count: CSVTable.maxFieldLength + 1)
        #expect(refusal { _ = try CSVTable(text: field, source: "f.csv") }.contains("row 2 has a field longer than 4096 bytes"))
    }
}
