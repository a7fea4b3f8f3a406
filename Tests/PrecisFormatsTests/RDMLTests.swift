import Foundation
import PrecisCore
import PrecisFormats
import Testing

/// A small document with every modelled element: two dyes, a standard with a quantity and a
/// per-target type, a target with primers and an amplicon, a thermal programme carried as
/// written, and a run with amplification, melt and result values.
func sampleDocument(version: String = "1.4") -> RDMLDocument {
    let program = RDMLDocument.RawElement(name: "thermalCyclingConditions", attributes: ["id": "std-40"], children: [
        .init(name: "step", children: [.init(name: "nr", text: "1"), .init(name: "temperature", children: [
            .init(name: "temperature", text: "95"), .init(name: "duration", text: "600")])]),
    ])
    let amplification = (1...40).map { c in
        RDMLDocument.AmplificationPoint(cycle: Double(c), fluorescence: 100 + 9000 / (1 + Foundation.exp(-(Double(c) - 24) / 1.6)))
    }
    let melt = stride(from: 65.0, through: 95.0, by: 0.5).map { t in
        RDMLDocument.MeltPoint(temperature: t, fluorescence: 5000 / (1 + Foundation.exp((t - 82.3) / 0.6)) + 200)
    }
    return RDMLDocument(
        version: version, dateMade: "2026-11-22T10:00:00",
        dyes: [.init(id: "SYBR", chemistry: "non-saturating DNA binding dye", concentration: 250),
               .init(id: "FAM", description: "probe & <quencher>", chemistry: "hydrolysis probe")],
        samples: [.init(id: "STD-1e4", types: [.init("std"), .init(targetID: "GAPDH", "pos")], doubleStranded: true,
                        quantity: .init(value: 10_000, unit: "cop")),
                  .init(id: "S-0001", types: [.init("unkn")])],
        targets: [.init(id: "GAPDH", type: "ref", efficiency: 1.95, dyeID: "SYBR",
                        forwardPrimer: .init(sequence: "ACGTACGTACGTACGTACGT", concentration: 300),
                        reversePrimer: .init(sequence: "TTGCATTGCATTGCATTGCA"),
                        amplicon: .init(sequence: String(repeating: "ACGT", count: 30))),
                  .init(id: "KRAS", dyeID: "FAM")],
        thermalCyclingConditions: [program],
        experiments: [.init(id: "Plate 7", runs: [.init(
            id: "Run 1", instrument: "Precis qPCR simulator", softwareName: "precis", softwareVersion: "0.1",
            thermalCyclingConditionsID: "std-40", format: .plate96, runDate: "2026-11-22T10:00:00",
            reactions: [
                .init(id: 1, sampleID: "STD-1e4", volume: 20, data: [
                    .init(targetID: "GAPDH", cq: 24.1, nCopy: 9800.5, efficiencyMethod: "LinRegPCR", efficiency: 1.95,
                          note: "a note; with a semicolon", amplification: amplification, melt: melt, backgroundFluorescence: 100),
                ]),
                .init(id: 96, sampleID: "S-0001", data: [.init(targetID: "KRAS", excluded: "pipetting error", amplification: amplification)]),
            ])])])
}

@Suite struct RDMLTests {
    @Test func aDocumentSurvivesWritingAndReadingInBothVersions() throws {
        let document = sampleDocument()
        let back = try RDMLDocument(data: try document.rdmlFile(), source: "round-trip.rdml")
        #expect(back == document)

        // 1.3 cannot say volume, dye and oligo concentration, double-strandedness or Ncopy; the rest is kept.
        let v13 = try RDMLDocument(data: try document.xml(version: "1.3"), source: "v13.xml")
        var expected = document
        expected.version = "1.3"
        for i in expected.dyes.indices { expected.dyes[i].concentration = nil }
        for i in expected.samples.indices { expected.samples[i].doubleStranded = nil }
        expected.targets[0].forwardPrimer?.concentration = nil
        expected.experiments[0].runs[0].reactions[0].volume = nil
        expected.experiments[0].runs[0].reactions[0].data[0].nCopy = nil
        #expect(v13 == expected)
    }

    @Test func wellNamesFollowThePlateFormat() {
        #expect(RDMLDocument.PlateFormat.plate96.well(1) == "A1")
        #expect(RDMLDocument.PlateFormat.plate96.well(96) == "H12")
        #expect(RDMLDocument.PlateFormat.plate384.well(83) == "D11")
        #expect(RDMLDocument.PlateFormat.plate384.reactionID("D11") == 83)
        #expect(RDMLDocument.PlateFormat.plate96.reactionID("I1") == nil)
        #expect(RDMLDocument.PlateFormat.plate96.reactionID("A13") == nil)
    }

    @Test func theRealRunIsRead() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Conformance/Fixtures/qpcr/own_mix_a.rdml")
        let document = try RDMLDocument(contentsOf: url)
        #expect(document.version == "1.4")
        #expect(document.targets.count == 7)
        let run = try #require(document.experiments.first?.runs.first)
        #expect(run.format == .plate384)
        #expect(run.reactions.count == 22)
        let first = try #require(run.reactions.first { $0.id == 83 })
        #expect(run.format.well(first.id) == "D11")
        #expect(first.data[0].amplification.count == 40)
        #expect(first.data[0].amplification[0].fluorescence == 31348.445)
        #expect(first.data[0].melt.count > 100)
        #expect(document.samples[0].doubleStranded == true)
        #expect(document.dye(ofTarget: "Roche")?.concentration == 250)
    }

    /// Each damage gives an `.input` error that says what is wrong and where, never a document.
    @Test(arguments: [
        ("not rdml at all", "is not well-formed XML"),
        ("<rdml version=\"1.4\"><sample id=\"S1\"><type>unkn</type>", "is not well-formed XML"),
        ("<html version=\"1.4\"/>", "not RDML"),
        ("<rdml/>", "no version"),
        ("<rdml version=\"2.0\"/>", "Precis reads RDML 1.1 to 1.4"),
        (run("<react id=\"1\"><sample id=\"S1\"/></react>", format: ""), "no valid pcrFormat"),
        (run("<react id=\"97\"><sample id=\"S1\"/></react>"), "reaction 97, outside its 8×12 plate"),
        (run("<react id=\"0\"><sample id=\"S1\"/></react>"), "not a positive whole number"),
        (run("<react id=\"5\"><sample id=\"S1\"/></react><react id=\"5\"><sample id=\"S1\"/></react>"), "reaction 5 twice"),
        (run("<react id=\"2\"><sample id=\"S9\"/></react>"), "well A2 names sample S9, which the file does not define"),
        (run("<react id=\"2\"><sample id=\"S1\"/><data><tar id=\"T9\"/></data></react>"), "target T9, which the file does not define"),
        (run("<react id=\"2\"><sample id=\"S1\"/><data><tar id=\"T1\"/><adp><cyc>1</cyc><fluor>12,5</fluor></adp></data></react>"),
         "well A2, target T1 amplification point 1 fluorescence is \"12,5\", not a number"),
        (run("<react id=\"2\"><sample id=\"S1\"/><data><tar id=\"T1\"/><adp><cyc>1</cyc></adp></data></react>"), "lacks its cycle or fluorescence"),
        (run("<react id=\"2\"><sample id=\"S1\"/><data><tar id=\"T1\"/><adp><cyc>0</cyc><fluor>1</fluor></adp></data></react>"), "cycles start at 1"),
        (run("<react id=\"2\"><sample id=\"S1\"/><data><tar id=\"T1\"/><mdp><tmp>NaN</tmp><fluor>1</fluor></mdp></data></react>"), "not a number"),
    ])
    func malformedRDMLIsRefusedWithTheReason(_ xml: String, _ expected: String) throws {
        #expect {
            _ = try RDMLDocument(data: Data(xml.utf8), source: "bad.rdml")
        } throws: { error in
            guard let error = error as? PrecisError, error.kind == .input else { return false }
            return error.message.contains(expected) || { print("message: \(error.message)"); return false }()
        }
    }

    @Test func damagedArchivesAreRefused() throws {
        let good = try sampleDocument().rdmlFile()
        var flipped = [UInt8](good)
        flipped[200] ^= 0x01                                             // inside the stored XML
        #expect(throws: PrecisError.self) { _ = try RDMLDocument(data: Data(flipped), source: "flipped.rdml") }
        do {
            _ = try RDMLDocument(data: Data(flipped), source: "flipped.rdml")
        } catch let error as PrecisError {
            #expect(error.message.contains("CRC-32"))
        }
        #expect(throws: PrecisError.self) { _ = try RDMLDocument(data: good.prefix(good.count / 2), source: "cut.rdml") }
        let other = ZipArchive.archive([("readme.txt", Data("hello".utf8))])
        #expect(throws: PrecisError.self) { _ = try RDMLDocument(data: other, source: "other.zip") }
    }

    @Test func textIsEscapedOnTheWayOut() throws {
        var document = sampleDocument()
        document.samples[1].description = "a < b & \"c\" > d"
        document.experiments[0].runs[0].reactions[1].data[0].note = "</note><injected/>"
        let xml = String(decoding: try document.xml(), as: UTF8.self)
        #expect(!xml.contains("<injected/>"))
        let back = try RDMLDocument(data: Data(xml.utf8), source: "escaped.xml")
        #expect(back.samples[1].description == "a < b & \"c\" > d")
        #expect(back.experiments[0].runs[0].reactions[1].data[0].note == "</note><injected/>")
    }
}

/// A minimal valid document around `reactions` in one run.
private func run(_ reactions: String, format: String = "<pcrFormat><rows>8</rows><columns>12</columns><rowLabel>ABC</rowLabel><columnLabel>123</columnLabel></pcrFormat>") -> String {
    """
    <rdml xmlns="http://www.rdml.org" version="1.4"><dye id="D1"/><sample id="S1"><type>unkn</type></sample>\
    <target id="T1"><type>toi</type><dyeId id="D1"/></target><experiment id="E1"><run id="R1">\(format)\(reactions)</run></experiment></rdml>
    """
}
