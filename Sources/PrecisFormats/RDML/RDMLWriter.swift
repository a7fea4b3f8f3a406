import Foundation
import PrecisCore

extension RDMLDocument {
    /// The versions written.
    public static let writableVersions: Set<String> = ["1.3", "1.4"]

    /// The document as an `.rdml` file: a ZIP archive holding `rdml_data.xml`.
    public func rdmlFile(version: String? = nil) throws -> Data {
        ZipArchive.archive([("rdml_data.xml", try xml(version: version))])
    }

    /// The document as RDML XML of `version` (default: its own, or 1.4 when that is not written),
    /// elements in the order the RDML schema requires. Writing 1.3 leaves out what 1.3 cannot say
    /// (reaction volume, dye concentration, oligo concentrations, double-strandedness, Ncopy).
    public func xml(version: String? = nil) throws -> Data {
        let version = version ?? (Self.writableVersions.contains(self.version) ? self.version : "1.4")
        guard Self.writableVersions.contains(version) else {
            throw PrecisError(.input, "Precis writes RDML 1.3 and 1.4, not \(version)")
        }
        let v14 = version == "1.4"
        var w = XMLWriter()
        w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")
        w.open("rdml", ["xmlns": "http://www.rdml.org", "version": version])
        w.leaf("dateMade", dateMade)
        w.leaf("dateUpdated", dateUpdated)
        for dye in dyes {
            w.open("dye", ["id": dye.id])
            w.leaf("description", dye.description)
            w.leaf("dyeChemistry", dye.chemistry)
            if v14 {
                w.number("nCopyFact", dye.nCopyFactor)
                w.number("dyeConc", dye.concentration)
            }
            w.close("dye")
        }
        for sample in samples {
            w.open("sample", ["id": sample.id])
            w.leaf("description", sample.description)
            for type in sample.types { w.leaf("type", type.value, type.targetID.map { ["targetId": $0] } ?? [:]) }
            if v14, let stranded = sample.doubleStranded { w.leaf("doubleStranded", stranded ? "true" : "false") }
            if let q = sample.quantity {
                w.open("quantity")
                w.number("value", q.value)
                w.leaf("unit", q.unit)
                w.close("quantity")
            }
            w.close("sample")
        }
        for target in targets {
            w.open("target", ["id": target.id])
            w.leaf("description", target.description)
            w.leaf("type", target.type)
            w.leaf("amplificationEfficiencyMethod", target.efficiencyMethod)
            w.number("amplificationEfficiency", target.efficiency)
            w.number("amplificationEfficiencySE", target.efficiencySE)
            w.number("meltingTemperature", target.meltingTemperature)
            w.number("detectionLimit", target.detectionLimit)
            w.leaf("dyeId", "", ["id": target.dyeID])
            let oligos = [("forwardPrimer", target.forwardPrimer), ("reversePrimer", target.reversePrimer), ("probe1", target.probe1),
                          ("probe2", target.probe2), ("amplicon", target.amplicon)].compactMap { name, o in o.map { (name, $0) } }
            if !oligos.isEmpty {
                w.open("sequences")
                for (name, oligo) in oligos {
                    w.open(name)
                    w.leaf("sequence", oligo.sequence)
                    if v14 { w.number("oligoConc", oligo.concentration) }
                    w.close(name)
                }
                w.close("sequences")
            }
            w.close("target")
        }
        for conditions in thermalCyclingConditions { w.element(conditions) }
        for experiment in experiments {
            w.open("experiment", ["id": experiment.id])
            w.leaf("description", experiment.description)
            for run in experiment.runs {
                w.open("run", ["id": run.id])
                w.leaf("description", run.description)
                w.leaf("instrument", run.instrument)
                if run.softwareName != nil || run.softwareVersion != nil {
                    w.open("dataCollectionSoftware")
                    w.leaf("name", run.softwareName ?? "")
                    w.leaf("version", run.softwareVersion ?? "")
                    w.close("dataCollectionSoftware")
                }
                w.leaf("backgroundDeterminationMethod", run.backgroundDeterminationMethod)
                w.leaf("cqDetectionMethod", run.cqDetectionMethod)
                if let id = run.thermalCyclingConditionsID { w.leaf("thermalCyclingConditions", "", ["id": id]) }
                w.open("pcrFormat")
                w.leaf("rows", String(run.format.rows))
                w.leaf("columns", String(run.format.columns))
                w.leaf("rowLabel", run.format.rowLabel)
                w.leaf("columnLabel", run.format.columnLabel)
                w.close("pcrFormat")
                w.leaf("runDate", run.runDate)
                for reaction in run.reactions {
                    w.open("react", ["id": String(reaction.id)])
                    w.leaf("sample", "", ["id": reaction.sampleID])
                    if v14 { w.number("vol", reaction.volume) }
                    for data in reaction.data { write(data, v14: v14, to: &w) }
                    w.close("react")
                }
                w.close("run")
            }
            w.close("experiment")
        }
        w.close("rdml")
        return Data(w.text.utf8)
    }

    private func write(_ data: ReactionData, v14: Bool, to w: inout XMLWriter) {
        w.open("data")
        w.leaf("tar", "", ["id": data.targetID])
        w.number("cq", data.cq)
        w.number("N0", data.n0)
        if v14 { w.number("Ncopy", data.nCopy) }
        w.leaf("ampEffMet", data.efficiencyMethod)
        w.number("ampEff", data.efficiency)
        w.number("ampEffSE", data.efficiencySE)
        w.number("meltTemp", data.meltingTemperature)
        if let excluded = data.excluded, !excluded.isEmpty { w.leaf("excl", excluded) }
        if let note = data.note, !note.isEmpty { w.leaf("note", note) }
        for p in data.amplification {
            w.open("adp")
            w.number("cyc", p.cycle)
            w.number("tmp", p.temperature)
            w.number("fluor", p.fluorescence)
            w.close("adp")
        }
        for p in data.melt {
            w.open("mdp")
            w.number("tmp", p.temperature)
            w.number("fluor", p.fluorescence)
            w.close("mdp")
        }
        w.number("endPt", data.endPoint)
        w.number("bgFluor", data.backgroundFluorescence)
        w.number("quantFluor", data.quantificationFluorescence)
        w.close("data")
    }
}

/// Writes indented XML with escaped text and attributes.
struct XMLWriter {
    var text = ""
    private var depth = 0

    mutating func raw(_ s: String) { text += s }

    mutating func open(_ name: String, _ attributes: [String: String] = [:]) {
        text += indent + "<" + name + Self.attributes(attributes) + ">\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        text += indent + "</" + name + ">\n"
    }

    /// `<name attrs>value</name>`, or `<name attrs/>` for an empty value; nothing for nil.
    mutating func leaf(_ name: String, _ value: String?, _ attributes: [String: String] = [:]) {
        guard let value else { return }
        text += indent + "<" + name + Self.attributes(attributes)
        text += value.isEmpty ? "/>\n" : ">" + Self.escape(value) + "</" + name + ">\n"
    }

    /// A number in the shortest form that reads back exactly; nothing for nil.
    mutating func number(_ name: String, _ value: Double?) {
        guard let value, value.isFinite else { return }
        leaf(name, "\(value)")
    }

    mutating func element(_ e: RDMLDocument.RawElement) {
        if e.children.isEmpty {
            leaf(e.name, e.text, e.attributes)
            return
        }
        open(e.name, e.attributes)
        for child in e.children { element(child) }
        close(e.name)
    }

    private var indent: String { String(repeating: "  ", count: depth) }

    private static func attributes(_ attributes: [String: String]) -> String {
        attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\"\(escape($0.value, attribute: true))\"" }.joined()
    }

    static func escape(_ s: String, attribute: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
