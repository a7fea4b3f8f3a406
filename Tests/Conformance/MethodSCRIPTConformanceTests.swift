import Foundation
import PrecisCore
import PrecisDrivers
import PrecisRuntime
import Testing

/// The vendor parser's decoding (PalmSens MethodSCRIPT_Examples, `palmsens/mscript.py`) of the
/// example streams quoted in the vendor's READMEs, stored as JSON beside the streams.
private struct Reference: Decodable {
    struct Variable: Decodable {
        let id: String
        let raw_int: Int
        let si_prefix: String
        let value_SI: Double
        let unit: String
        let status: String?
        let range_idx: Int?
        let range_text_EmStatPico: String?
    }
    struct Package: Decodable { let line: String; let vars: [Variable] }
    struct Stream: Decodable { let n_packages: Int; let E_V: [Double]; let I_A: [Double] }
    let packages: [Package]
    let lsv_stream_parse: Stream
}

private func reference() throws -> Reference {
    try JSONDecoder().decode(Reference.self, from: Data(contentsOf: Repo.fixture("methodscript/example_streams_decoded.json")))
}

/// The vendor parser's range text for EmStat Pico: current ranges for A/Arms and `cc`,
/// potential ranges (none on the Pico: "UNKNOWN DEVICE TYPE") for V/Vrms and `cd`.
private func picoRangeText(_ variable: MethodSCRIPTVariable) -> String? {
    guard variable.rangeCode != nil else { return nil }
    switch variable.type.rangeKind {
    case .current: return variable.currentRange(on: .emStatPico)?.label ?? "UNKNOWN CURRENT RANGE"
    case .potential: return "UNKNOWN DEVICE TYPE"
    case .none: return "UNKNOWN UNIT: \(variable.type.unit)"
    }
}

/// Every variable of every reference package: same type, raw integer, prefix, status and range,
/// and the SI value equal to the last bit. The reference computes `raw * factor` in Python
/// floats (IEEE double, one rounding), as `Double(raw) * factor` does, so equality is exact.
@Test func everyVariableMatchesTheVendorParserBitForBit() throws {
    let ref = try reference()
    #expect(ref.packages.count == 7)
    var compared = 0
    for package in ref.packages {
        let decoded = try MethodSCRIPTDecoder.parsePackage(package.line)
        #expect(decoded.variables.count == package.vars.count, "\(package.line)")
        for (ours, theirs) in zip(decoded.variables, package.vars) {
            #expect(ours.type.code == theirs.id)
            #expect(ours.rawValue == theirs.raw_int)
            #expect(String(ours.prefix) == theirs.si_prefix)
            #expect(ours.value.bitPattern == theirs.value_SI.bitPattern, "\(theirs.id) in \(package.line): \(ours.value) vs \(theirs.value_SI)")
            #expect(ours.type.unit == theirs.unit)
            #expect(ours.status?.description == theirs.status, "\(package.line)")
            #expect(ours.rangeCode == theirs.range_idx, "\(package.line)")
            #expect(picoRangeText(ours) == theirs.range_text_EmStatPico, "\(package.line)")
            compared += 1
        }
    }
    #expect(compared == 15)
}

/// The LSV stream file decodes, whole and one byte at a time, to the reference's curve.
@Test func lsvStreamFileMatchesTheVendorParse() throws {
    let text = try String(contentsOf: Repo.fixture("methodscript/example_streams.txt"), encoding: .utf8)
    let stream = text.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("#") }.joined(separator: "\n")
    let bytes = Array(stream.utf8)
    var whole = MethodSCRIPTDecoder(), drip = MethodSCRIPTDecoder()
    let all = try whole.step(bytes)
    var dripped: [MethodSCRIPTMessage] = []
    for byte in bytes { dripped += try drip.step([byte]) }
    #expect(all == dripped)
    let packages = all.compactMap { if case .package(let p) = $0 { p } else { nil } }
    let ref = try reference().lsv_stream_parse
    #expect(packages.count == ref.n_packages)
    #expect(packages.compactMap { $0["da"]?.value.bitPattern } == ref.E_V.map(\.bitPattern))
    #expect(packages.compactMap { $0["ba"]?.value.bitPattern } == ref.I_A.map(\.bitPattern))
    #expect(all.first == .scriptStarted)
    #expect(all.contains(.loopStarted(.measurement, code: "0000")))
    #expect(all.contains(.loopEnded(.measurement)))
}

/// The vendor's LSV example (a 10 kΩ dummy cell: a straight line, on which PSTrace finds no
/// peak) through `analyze methodscript`: the curve analysed is the vendor parser's, bit for bit,
/// read as a linear sweep, and no peak is reported (four points: below the search's five, so this
/// says nothing about the search itself). The example streams are the only vendor outputs in the
/// shared test data; none of them carries a published peak to compare with.
@Test func theVendorsLSVExampleIsALineWithoutPeaks() throws {
    let report = try Runtime.analyzeMethodSCRIPT(Repo.fixture("methodscript/example_streams.txt"))
    let ref = try reference().lsv_stream_parse
    #expect(report.technique == .lsv)
    #expect(report.curve.map { $0[0].bitPattern } == ref.E_V.map(\.bitPattern))
    #expect(report.curve.map { $0[1].bitPattern } == ref.I_A.map(\.bitPattern))
    #expect(report.peaks.isEmpty)
}
