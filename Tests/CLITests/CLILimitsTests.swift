import Foundation
import Testing

/// Every reader of an outside file refuses what is past its stated limits with exit 2 (3 for
/// a calibration file) and exactly one line on stderr, in bounded memory: each command runs
/// under `prlimit --as` (an address-space cap) and `timeout`, so a reader that grows without
/// bound or overflows its stack fails the test instead of hanging it.
@Suite struct CLILimitsTests {
    /// 1.5 GB of address space: `precis analyze` on a real file needs well under 100 MB.
    static let addressSpace = "1500000000"

    /// Runs `precis` capped in memory and time.
    func capped(_ arguments: [String], environment: [String: String] = [:]) throws -> Invocation {
        var env = ["PRECIS_DB": newDatabase(), "PRECIS_CALIBRATION": repoRoot.appendingPathComponent("Calibration").path,
                   "PRECIS_CONFIG": ""]
        for (k, v) in environment { env[k] = v }
        return try runProcess("/usr/bin/prlimit", ["--as=\(Self.addressSpace)", "--", "/usr/bin/timeout", "60",
                                                   TestPaths.precis.path] + arguments, environment: env)
    }

    /// Exit `status`, one line on stderr holding each of `phrases`, no crash.
    func expectRefused(_ run: Invocation, status: Int32 = 2, _ phrases: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == status, "\(run.stderr)", sourceLocation: sourceLocation)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)", sourceLocation: sourceLocation)
        for phrase in phrases { #expect(run.stderr.contains(phrase), "\(run.stderr)", sourceLocation: sourceLocation) }
        #expect(!looksLikeACrash(run.stderr), sourceLocation: sourceLocation)
    }

    /// A one-well RDML whose curve has 40 cycles, and a point at cycle `last` when given.
    static func rdml(lastCycle: String? = nil) -> String {
        let points = (1...40).map { "<adp><cyc>\($0)</cyc><fluor>\(100 + $0 * $0)</fluor></adp>" }.joined()
            + (lastCycle.map { "<adp><cyc>\($0)</cyc><fluor>2</fluor></adp>" } ?? "")
        return """
            <?xml version="1.0"?>
            <rdml version="1.4" xmlns="http://www.rdml.org"><dye id="SYBR"/><sample id="S1"><type>unkn</type></sample>
            <target id="T1"><type>toi</type><dyeId id="SYBR"/></target>
            <experiment id="E1"><run id="x"><pcrFormat><rows>8</rows><columns>12</columns><rowLabel>ABC</rowLabel>
            <columnLabel>123</columnLabel></pcrFormat><react id="1"><sample id="S1"/><data><tar id="T1"/>\(points)</data>
            </react></run></experiment></rdml>
            """
    }

    /// `<cyc>1e9</cyc>` made the analysis allocate a curve of a billion cycles (300 MB/s).
    @Test func aBillionCyclesIsRefusedInBoundedMemory() throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.rdml"), bad = folder.appendingPathComponent("cycles.rdml")
        try Self.rdml().write(to: good, atomically: true, encoding: .utf8)
        try Self.rdml(lastCycle: "1e9").write(to: bad, atomically: true, encoding: .utf8)
        let fine = try capped(["analyze", "qpcr", good.path, "--json"])
        #expect(fine.status == 0, "\(fine.stderr)")
        expectRefused(try capped(["analyze", "qpcr", bad.path, "--json"]),
                      "RDML run 'x' has 1000000000 cycles", "Precis reads at most 10000")
    }

    /// XML nested 50,000 deep, zipped as an `.rdml`, crashed the element tree's teardown (SIGSEGV).
    @Test func xmlNestedFiftyThousandDeepIsRefused() throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let xml = "<rdml version=\"1.4\">" + String(repeating: "<a>", count: 50_000) + String(repeating: "</a>", count: 50_000) + "</rdml>"
        let file = folder.appendingPathComponent("deep.rdml")
        try StoredZip.archive(name: "rdml_data.xml", contents: Data(xml.utf8)).write(to: file)
        expectRefused(try capped(["analyze", "qpcr", file.path]), "deep.rdml nests elements deeper than 64 levels", "at most 64")
    }

    /// Found by `make fuzz`: a byte that is not UTF-8 in an element or attribute name made
    /// FoundationXML trap (SIGILL) in the middle of `analyze qpcr`.
    @Test(arguments: ["<rdml version=\"1.4\"><a\u{DF}/></rdml>", "<rdml version=\"1.4\" \u{DF}mlns=\"x\"></rdml>"])
    func xmlNamesThatAreNotUTF8AreRefused(_ text: String) throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("latin1.rdml")
        try Data(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }).write(to: file)
        expectRefused(try capped(["analyze", "qpcr", file.path]), "latin1.rdml is not UTF-8 text")
    }

    /// Found by `make fuzz`: a processing instruction without data made FoundationXML crash (SIGSEGV).
    @Test func aProcessingInstructionWithoutDataIsRefused() throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("pi.rdml")
        try "<rdml version=\"1.4\">\n<?x?></rdml>".write(to: file, atomically: true, encoding: .utf8)
        expectRefused(try capped(["analyze", "qpcr", file.path]), "pi.rdml has a processing instruction without data (line 2)")
    }

    /// A SLOW5 read whose offset is `nan`: refused, so `--json` never meets a number it cannot write.
    @Test func aNaNOffsetInSLOW5IsRefused() throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixture = repoRoot.appendingPathComponent("Tests/Conformance/Fixtures/nanopore/one_fast5_exp_1_default.slow5")
        var lines = try String(contentsOf: fixture, encoding: .utf8).components(separatedBy: "\n")
        let record = try #require(lines.firstIndex { !$0.hasPrefix("#") && !$0.hasPrefix("@") && !$0.isEmpty })
        var fields = lines[record].components(separatedBy: "\t")
        fields[3] = "nan"
        lines[record] = fields.joined(separator: "\t")
        let file = folder.appendingPathComponent("nan.slow5")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        expectRefused(try capped(["events", file.path, "--json"]), "has offset nan, not a finite number")
    }

    /// A cut-off MethodSCRIPT file is bad input (exit 2) naming its line, not an instrument problem (5).
    @Test func aTruncatedMethodSCRIPTFileNamesTheLine() throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("cut.txt")
        try "e\nM0000\nPda7F85F3Fu;ba48D503Dp,10,288\nPda7F9234Bu;ba4E2".write(to: file, atomically: true, encoding: .utf8)
        expectRefused(try capped(["analyze", "methodscript", file.path]), "cut.txt line 4: ", "ended inside a line")
    }

    /// A profile CSV with CRLF line endings reads as the same profile with LF.
    @Test func aCRLFProfileReadsLikeAnLFOne() throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines = ["# full_scale=65535", "position_um,reflectance"]
            + stride(from: 0, through: 30_000, by: 50).map { p -> String in
                let dip = { (centre: Double, depth: Double) in depth * exp(-pow((Double(p) - centre) / 300, 2)) }
                return "\(p),\(Int(60_000 - dip(9_000, 20_000) - dip(16_000, 8_000)))"
            }
        let lf = folder.appendingPathComponent("lf.csv"), crlf = folder.appendingPathComponent("crlf.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: lf, atomically: true, encoding: .utf8)
        try (lines.joined(separator: "\r\n") + "\r\n").write(to: crlf, atomically: true, encoding: .utf8)
        let a = try capped(["analyze", "lfa", lf.path, "--assay", "crp", "--lot", "CRP26A07", "--json"])
        let b = try capped(["analyze", "lfa", crlf.path, "--assay", "crp", "--lot", "CRP26A07", "--json"])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(b.status == a.status, "\(b.stderr)")
        #expect(b.stdout.replacingOccurrences(of: "crlf.csv", with: "lf.csv") == a.stdout)
    }

    /// Files past their size limits are refused by their size, before they are read: a profile,
    /// a CSV of standards, a plate layout, a MethodSCRIPT stream, an RDML file, a configuration; `/dev/zero`
    /// (no size, endless) too.
    @Test(arguments: [
        (["analyze", "lfa", "FILE", "--assay", "crp", "--lot", "CRP26A07"], 4 << 20, "at most 4194304 bytes"),
        (["fit", "linear", "FILE", "--x", "x", "--y", "y"], 8 << 20, "at most 8388608 bytes"),
        (["run", "--device", "sim:qpcr", "--assay", "hiv1-vl", "--lot", "HIV26B01", "--layout", "FILE"], 8 << 20, "at most 8388608 bytes"),
        (["analyze", "methodscript", "FILE"], 16 << 20, "at most 16777216 bytes"),
        (["analyze", "qpcr", "FILE"], 64 << 20, "at most 67108864 bytes"),
        (["results", "--config", "FILE"], 64 << 10, "at most 65536 bytes"),
    ])
    func oversizedFilesAreRefusedByTheirSize(arguments: [String], limit: Int, phrase: String) throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("big.txt")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        try FileHandle(forWritingTo: file).truncate(atOffset: UInt64(limit + 1))   // sparse: no disk, no memory
        let out = folder.appendingPathComponent("out.rdml").path
        expectRefused(try capped(arguments.map { $0 == "FILE" ? file.path : $0 == "OUT" ? out : $0 }), "big.txt is \(limit + 1) bytes", phrase)
        expectRefused(try capped(arguments.map { $0 == "FILE" ? "/dev/zero" : $0 == "OUT" ? out : $0 }), "is more than \(limit) bytes", phrase)
    }

    /// Configuration values past their limits: a timeout of 1e300 s was taken, then trapped
    /// converting to milliseconds when a result was sent; a document nested 100 deep.
    @Test(arguments: [
        (#"{"centre": {"baseURL": "https://c.example/fhir", "timeoutSeconds": 1e300}}"#, "centre.timeoutSeconds is 1e+300; Precis takes more than 0 and at most 600"),
        (#"{"upload": {"leaseSeconds": 1e301}}"#, "upload timing is at most 604800 s"),
        (#"{"lis": {"host": "lis.example", "port": 70000}}"#, "lis.port 70000 is not a TCP port"),
        (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "nests JSON deeper than 64 levels (line 1); Precis reads at most 64"),
    ])
    func configurationValuesPastTheirLimitsAreRefused(json: String, phrase: String) throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("config.json")
        try json.write(to: file, atomically: true, encoding: .utf8)
        expectRefused(try capped(["results", "--config", file.path]), phrase)
    }

    /// A lot file past its limit is a malformed calibration: exit 3, one line, naming the file.
    @Test func anOversizedLotFileIsACalibrationError() throws {
        let folder = try TestPaths.temporaryFolder("limits")
        defer { try? FileManager.default.removeItem(at: folder) }
        let calibration = folder.appendingPathComponent("Calibration")
        try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("Calibration"), to: calibration)
        let lot = calibration.appendingPathComponent("lots/CRP26A07.json")
        let text = try String(contentsOf: lot, encoding: .utf8)
        try (text + String(repeating: " ", count: 1 << 20)).write(to: lot, atomically: true, encoding: .utf8)
        let profile = folder.appendingPathComponent("p.csv")
        try "position_um,reflectance\n0,1\n10,2\n".write(to: profile, atomically: true, encoding: .utf8)
        expectRefused(try capped(["analyze", "lfa", profile.path, "--assay", "crp", "--lot", "CRP26A07"],
                                 environment: ["PRECIS_CALIBRATION": calibration.path]),
                      status: 3, "Calibration/lots/CRP26A07.json is", "at most 1048576 bytes")
    }
}

/// A ZIP archive of one stored entry (APPNOTE 6.3), written here so that the test does not
/// lean on the reader it tests.
enum StoredZip {
    static func archive(name: String, contents: Data) -> Data {
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
        let body = [UInt8](contents), nameBytes = Array(name.utf8), crc = crc32(body), size = UInt32(body.count)
        let local = le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size) + le32(size)
            + le16(nameBytes.count) + le16(0) + nameBytes + body
        let central = le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc) + le32(size)
            + le32(size) + le16(nameBytes.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + nameBytes
        let end = le32(0x0605_4B50) + le16(0) + le16(0) + le16(1) + le16(1) + le32(UInt32(central.count))
            + le32(UInt32(local.count)) + le16(0)
        return Data(local + central + end)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        let table: [UInt32] = (0..<256).map { n in
            (0..<8).reduce(UInt32(n)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~bytes.reduce(~UInt32(0)) { table[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }
}
