import Foundation
import PrecisCore

extension RDMLDocument {
    /// The versions read. 1.0 had no plate format; later versions are refused until checked.
    public static let readableVersions: Set<String> = ["1.1", "1.2", "1.3", "1.4"]

    /// Reads an RDML file: a ZIP archive holding `rdml_data.xml` (the usual `.rdml`) or the bare XML.
    public init(contentsOf url: URL) throws {
        let data = try BoundedFile.read(url, limit: RDMLLimits.maxFileBytes, what: "RDML file \(url.lastPathComponent)")
        try self.init(data: data, source: url.lastPathComponent)
    }

    /// Parses RDML from `data`; `source` names it in errors. Every problem that would make a
    /// number wrong (a reference to an undefined sample or target, a well outside the plate, a
    /// cycle or fluorescence that is not a number, the same well twice) is an `.input` error
    /// naming where it is.
    public init(data: Data, source: String) throws {
        var xml = data
        if ZipArchive.isArchive(data) {
            let entries = try ZipArchive.entries(data)
            guard let entry = entries["rdml_data.xml"] ?? entries.first(where: { $0.key.hasSuffix(".xml") })?.value else {
                throw PrecisError(.input, "\(source) is a ZIP archive without rdml_data.xml, so not an RDML file")
            }
            xml = entry
        }
        let root = try XMLElement.parse(xml, source: source)
        try self.init(root: root, source: source)
    }

    init(root: XMLElement, source: String) throws {
        guard root.name == "rdml" else { throw PrecisError(.input, "\(source) is XML but not RDML (its root element is <\(root.name)>, not <rdml>)") }
        guard let version = root.attributes["version"] else { throw PrecisError(.input, "\(source): <rdml> has no version attribute") }
        guard Self.readableVersions.contains(version) else {
            throw PrecisError(.input, "\(source) is RDML \(version); Precis reads RDML 1.1 to 1.4",
                              hint: "convert it with the RDML tools (rdml.org) to 1.4")
        }
        var reader = Reader(source: source)
        self.init(version: version, dateMade: root.value("dateMade"), dateUpdated: root.value("dateUpdated"))
        dyes = try root.all("dye").map { e in
            Dye(id: try reader.id(e, "dye"), description: e.value("description"), chemistry: e.value("dyeChemistry"),
                nCopyFactor: try reader.number(e.value("nCopyFact"), "dye \(e.attributes["id"] ?? "") nCopyFact"),
                concentration: try reader.number(e.value("dyeConc"), "dye \(e.attributes["id"] ?? "") dyeConc"))
        }
        samples = try root.all("sample").map { e in
            let id = try reader.id(e, "sample")
            let quantity = try e.first("quantity").map { q -> Quantity in
                guard let value = try reader.number(q.value("value"), "sample \(id) quantity") else {
                    throw PrecisError(.input, "\(source): sample \(id) has a quantity without a value")
                }
                return Quantity(value: value, unit: q.value("unit") ?? "other")
            }
            let stranded = e.value("doubleStranded").map { $0 == "true" || $0 == "1" }
            return Sample(id: id, description: e.value("description"),
                          types: e.all("type").map { TypedValue(targetID: $0.attributes["targetId"], $0.text) },
                          doubleStranded: stranded, quantity: quantity)
        }
        targets = try root.all("target").map { e in
            let id = try reader.id(e, "target")
            func oligo(_ name: String) throws -> Oligo? {
                guard let o = e.first("sequences")?.first(name), let sequence = o.value("sequence") else { return nil }
                return Oligo(sequence: sequence, concentration: try reader.number(o.value("oligoConc"), "target \(id) \(name) oligoConc"))
            }
            return Target(id: id, description: e.value("description"), type: e.value("type") ?? "toi",
                          efficiencyMethod: e.value("amplificationEfficiencyMethod"),
                          efficiency: try reader.number(e.value("amplificationEfficiency"), "target \(id) amplificationEfficiency"),
                          efficiencySE: try reader.number(e.value("amplificationEfficiencySE"), "target \(id) amplificationEfficiencySE"),
                          meltingTemperature: try reader.number(e.value("meltingTemperature"), "target \(id) meltingTemperature"),
                          detectionLimit: try reader.number(e.value("detectionLimit"), "target \(id) detectionLimit"),
                          dyeID: e.first("dyeId")?.attributes["id"] ?? "",
                          forwardPrimer: try oligo("forwardPrimer"), reversePrimer: try oligo("reversePrimer"),
                          probe1: try oligo("probe1"), probe2: try oligo("probe2"), amplicon: try oligo("amplicon"))
        }
        thermalCyclingConditions = root.all("thermalCyclingConditions").map(Self.raw)
        experiments = try root.all("experiment").map { e in
            let experimentID = try reader.id(e, "experiment")
            return Experiment(id: experimentID, description: e.value("description"),
                              runs: try e.all("run").map { try reader.run($0, experiment: experimentID) })
        }
        try validateReferences(source: source)
    }

    /// Every reference names something defined: a reaction's sample, a data element's target, a
    /// target's dye.
    func validateReferences(source: String) throws {
        let sampleIDs = Set(samples.map(\.id)), targetIDs = Set(targets.map(\.id)), dyeIDs = Set(dyes.map(\.id))
        for target in targets where !target.dyeID.isEmpty && !dyeIDs.contains(target.dyeID) {
            throw PrecisError(.input, "\(source): target \(target.id) names dye \(target.dyeID), which the file does not define")
        }
        for experiment in experiments {
            for run in experiment.runs {
                for reaction in run.reactions {
                    let place = "experiment \(experiment.id), run \(run.id), well \(run.format.well(reaction.id))"
                    guard sampleIDs.contains(reaction.sampleID) else {
                        throw PrecisError(.input, "\(source): \(place) names sample \(reaction.sampleID), which the file does not define")
                    }
                    for data in reaction.data where !targetIDs.contains(data.targetID) {
                        throw PrecisError(.input, "\(source): \(place) has data for target \(data.targetID), which the file does not define")
                    }
                }
            }
        }
    }

    static func raw(_ e: XMLElement) -> RawElement {
        RawElement(name: e.name, attributes: e.attributes, text: e.children.isEmpty ? e.text : "", children: e.children.map(raw))
    }
}

/// What the RDML reader takes beyond `XMLLimits`: an analysis allocates per cycle and per
/// well, so a number in the file must not decide how much memory it takes.
public enum RDMLLimits {
    /// The largest file, zipped or bare, in bytes.
    public static let maxFileBytes = XMLLimits.maxDocumentBytes
    /// The highest cycle number and the most amplification points per curve (cyclers run 40–60).
    public static let maxCycles = 10_000
    /// The most melting points per curve.
    public static let maxMeltPoints = 10_000
    /// The most plate rows and columns (a 1536-well plate is 32 × 48).
    public static let maxRows = 32, maxColumns = 48
}

/// Reads the parts of an RDML tree with errors that say where.
private struct Reader {
    let source: String

    /// A number as the file most likely wrote it: 1000000000 rather than 1e+09.
    static func show(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e18 ? String(Int64(value)) : String(value)
    }

    func id(_ e: XMLElement, _ what: String) throws -> String {
        guard let id = e.attributes["id"], !id.isEmpty else { throw PrecisError(.input, "\(source): a <\(what)> has no id") }
        return id
    }

    func number(_ text: String?, _ what: String) throws -> Double? {
        guard let text, !text.isEmpty else { return nil }
        guard let value = Double(text), value.isFinite else { throw PrecisError(.input, "\(source): \(what) is \"\(text)\", not a number") }
        return value
    }

    func run(_ e: XMLElement, experiment: String) throws -> RDMLDocument.Run {
        let runID = try id(e, "run")
        let place = "experiment \(experiment), run \(runID)"
        guard let format = e.first("pcrFormat"), let rows = Int(format.value("rows") ?? ""), let columns = Int(format.value("columns") ?? ""),
              rows > 0, columns > 0 else {
            throw PrecisError(.input, "\(source): \(place) has no valid pcrFormat (rows and columns), so its wells cannot be placed")
        }
        guard rows <= RDMLLimits.maxRows, columns <= RDMLLimits.maxColumns else {
            throw PrecisError(.input, "\(source): RDML run '\(runID)' has a \(rows)×\(columns) plate; Precis reads at most "
                              + "\(RDMLLimits.maxRows)×\(RDMLLimits.maxColumns)")
        }
        let plate = RDMLDocument.PlateFormat(rows: rows, columns: columns, rowLabel: format.value("rowLabel") ?? "ABC",
                                             columnLabel: format.value("columnLabel") ?? "123")
        var seen = Set<Int>()
        let reactions = try e.all("react").map { r -> RDMLDocument.Reaction in
            guard let text = r.attributes["id"], let reactID = Int(text), reactID >= 1 else {
                throw PrecisError(.input, "\(source): \(place) has a reaction whose id \"\(r.attributes["id"] ?? "")\" is not a positive whole number")
            }
            guard reactID <= rows * columns else {
                throw PrecisError(.input, "\(source): \(place) has reaction \(reactID), outside its \(rows)×\(columns) plate")
            }
            guard seen.insert(reactID).inserted else { throw PrecisError(.input, "\(source): \(place) has reaction \(reactID) twice") }
            let well = "\(place), well \(plate.well(reactID))"
            guard let sample = r.first("sample")?.attributes["id"], !sample.isEmpty else {
                throw PrecisError(.input, "\(source): \(well) names no sample")
            }
            return RDMLDocument.Reaction(id: reactID, sampleID: sample, volume: try number(r.value("vol"), "\(well) vol"),
                                         data: try r.all("data").map { try data($0, at: well, run: runID) })
        }
        let software = e.first("dataCollectionSoftware")
        return RDMLDocument.Run(id: runID, description: e.value("description"), instrument: e.value("instrument"),
                                softwareName: software?.value("name"), softwareVersion: software?.value("version"),
                                backgroundDeterminationMethod: e.value("backgroundDeterminationMethod"),
                                cqDetectionMethod: e.value("cqDetectionMethod"),
                                thermalCyclingConditionsID: e.first("thermalCyclingConditions")?.attributes["id"],
                                format: plate, runDate: e.value("runDate"), reactions: reactions)
    }

    func data(_ d: XMLElement, at well: String, run runID: String) throws -> RDMLDocument.ReactionData {
        guard let target = d.first("tar")?.attributes["id"], !target.isEmpty else { throw PrecisError(.input, "\(source): \(well) has data without a target") }
        let place = "\(well), target \(target)"
        let points = d.all("adp"), meltPoints = d.all("mdp")
        guard points.count <= RDMLLimits.maxCycles, meltPoints.count <= RDMLLimits.maxMeltPoints else {
            throw PrecisError(.input, "\(source): \(place) has \(points.count) amplification and \(meltPoints.count) melting points; "
                              + "Precis reads at most \(RDMLLimits.maxCycles) and \(RDMLLimits.maxMeltPoints)")
        }
        let amplification = try points.enumerated().map { index, p -> RDMLDocument.AmplificationPoint in
            guard let cycle = try number(p.value("cyc"), "\(place) amplification point \(index + 1) cycle"),
                  let fluor = try number(p.value("fluor"), "\(place) amplification point \(index + 1) fluorescence") else {
                throw PrecisError(.input, "\(source): \(place) amplification point \(index + 1) lacks its cycle or fluorescence")
            }
            guard cycle >= 1 else { throw PrecisError(.input, "\(source): \(place) has cycle \(cycle); cycles start at 1") }
            guard cycle <= Double(RDMLLimits.maxCycles) else {
                throw PrecisError(.input, "\(source): RDML run '\(runID)' has \(Self.show(cycle)) cycles (\(place)); "
                                  + "Precis reads at most \(RDMLLimits.maxCycles)")
            }
            return .init(cycle: cycle, temperature: try number(p.value("tmp"), "\(place) amplification point \(index + 1) temperature"), fluorescence: fluor)
        }
        let melt = try meltPoints.enumerated().map { index, p -> RDMLDocument.MeltPoint in
            guard let t = try number(p.value("tmp"), "\(place) melting point \(index + 1) temperature"),
                  let fluor = try number(p.value("fluor"), "\(place) melting point \(index + 1) fluorescence") else {
                throw PrecisError(.input, "\(source): \(place) melting point \(index + 1) lacks its temperature or fluorescence")
            }
            return .init(temperature: t, fluorescence: fluor)
        }
        return .init(targetID: target, cq: try number(d.value("cq"), "\(place) cq"), n0: try number(d.value("N0"), "\(place) N0"),
                     nCopy: try number(d.value("Ncopy"), "\(place) Ncopy"), efficiencyMethod: d.value("ampEffMet"),
                     efficiency: try number(d.value("ampEff"), "\(place) ampEff"), efficiencySE: try number(d.value("ampEffSE"), "\(place) ampEffSE"),
                     meltingTemperature: try number(d.value("meltTemp"), "\(place) meltTemp"), excluded: d.value("excl"), note: d.value("note"),
                     amplification: amplification, melt: melt, endPoint: try number(d.value("endPt"), "\(place) endPt"),
                     backgroundFluorescence: try number(d.value("bgFluor"), "\(place) bgFluor"),
                     quantificationFluorescence: try number(d.value("quantFluor"), "\(place) quantFluor"))
    }
}
