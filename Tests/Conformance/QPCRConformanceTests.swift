import Foundation
import PrecisCore
import PrecisFormats
import PrecisRuntime
import PrecisSignal
import Testing

/// LinRegPCR's own results (rdmlpython's linRegPCR on the RDML consortium's public SYBR run
/// `own_mix_a.rdml`, 22 wells of a 384-well QuantStudio plate, 40 cycles) against ours.
private struct ReferenceRow {
    let well: String, target: String, baseline: Double, nInLog: Int, nIncluded: Int, lastLog: Int
    let individualEfficiency: Double, r2: Double, efficiency: Double, efficiencySD: Double, td0: Double
    let individualNCopy: Double, nCopy: Double, amplification: Bool, baselineError: Int, plateau: Bool
    let outlier: Bool, usedForMean: Bool, flags: String
}

private func referenceRows(_ name: String) throws -> [ReferenceRow] {
    let text = try String(contentsOf: Repo.fixture("qpcr/\(name)_linregpcr_results.tsv"), encoding: .utf8)
    let lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    let header = lines[0]
    func column(_ name: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else { throw ReferenceToolError(description: "no column \(name)") }
        return i
    }
    let c = try ["well", "target", "baseline", "n in log phase", "n included", "last log cycle", "indiv PCR eff", "R2", "PCR eff",
                 "STD PCR eff", "TD0", "indiv Ncopy", "Ncopy", "amplification", "baseline error", "plateau", "excl PCR efficiency",
                 "used for mean PCR efficiency"].map(column)
    func int(_ s: String) -> Int { Int(Double(s)!) }
    func yes(_ s: String) -> Bool { s == "True" || s == "Yes" }
    return try lines.dropFirst().filter { $0.count == header.count }.map { f in
        ReferenceRow(well: f[c[0]], target: f[c[1]], baseline: Double(f[c[2]])!, nInLog: int(f[c[3]]), nIncluded: int(f[c[4]]),
                     lastLog: int(f[c[5]]), individualEfficiency: Double(f[c[6]])!, r2: Double(f[c[7]])!, efficiency: Double(f[c[8]])!,
                     efficiencySD: Double(f[c[9]])!, td0: Double(f[c[10]])!, individualNCopy: Double(f[c[11]])!, nCopy: Double(f[c[12]])!,
                     amplification: yes(f[c[13]]), baselineError: int(f[c[14]]), plateau: yes(f[c[15]]),
                     outlier: yes(f[c[16]]), usedForMean: yes(f[c[17]]),
                     flags: [f[try column("excluded")], f[try column("note")]].filter { !$0.isEmpty }.joined(separator: ";"))
    }
}

@Suite struct QPCRConformanceTests {
    /// The bar: Cq (TD0) within 0.01 cycles and efficiency within 0.001 of LinRegPCR's
    /// table, for every well; and the rest of the table as well (baseline, window of linearity,
    /// R², copies, flags, notes). `own_mix_a` is a real SYBR run (22 wells of a 384-well
    /// QuantStudio plate); `matrix_gaps` (72 wells, dilutions down to single copies) has cycles
    /// missing, wells without amplification and an efficiency outlier. The tables print values
    /// rounded (TD0 of own_mix_a to 2 decimals), so the bar includes that rounding.
    @Test(arguments: ["own_mix_a", "matrix_gaps"])
    func linRegPCRTableIsReproduced(_ name: String) throws {
        let (report, _) = try Runtime.analyzeRDML(Repo.fixture("qpcr/\(name).rdml"))
        let reference = try referenceRows(name)
        #expect(report.wells.count == reference.count)
        // rdmlpython marks the run's last row, not the outlier, as unused for the mean
        // efficiency (a stale loop index); the mean itself leaves the outlier out. We mark the outlier.
        let staleRow = reference.contains(where: \.outlier) ? reference.last?.well : nil
        var worstCq = 0.0, worstEfficiency = 0.0, worstIndividual = 0.0
        for row in reference {
            let ours = try #require(report.wells.first { $0.well == row.well && $0.target == row.target }, "well \(row.well)")
            let cq = ours.cq ?? -1
            worstCq = max(worstCq, abs(cq - row.td0))
            worstEfficiency = max(worstEfficiency, abs((ours.efficiency ?? -1) - row.efficiency))
            #expect(abs(cq - row.td0) <= 0.01, "\(row.well): Cq \(cq) vs LinRegPCR \(row.td0)")
            #expect(abs((ours.efficiency ?? -1) - row.efficiency) <= 0.001, "\(row.well): efficiency \(String(describing: ours.efficiency)) vs \(row.efficiency)")
            if row.baselineError == 0 {
                worstIndividual = max(worstIndividual, abs((ours.individualEfficiency ?? -1) - row.individualEfficiency))
                #expect(abs((ours.individualEfficiency ?? -1) - row.individualEfficiency) <= 0.001,
                        "\(row.well): individual efficiency \(String(describing: ours.individualEfficiency)) vs \(row.individualEfficiency)")
                #expect(abs((ours.r2 ?? -1) - row.r2) <= 0.0001, "\(row.well): R²")
                #expect(ours.logWindowEnd == row.lastLog && ours.logWindowCycles == row.nIncluded, "\(row.well): window of linearity")
            } else {
                #expect(ours.individualEfficiency == nil && ours.cq == nil, "\(row.well): no fit, no Cq")
            }
            #expect(abs((ours.efficiencySD ?? -1) - row.efficiencySD) <= 0.0001, "\(row.well): efficiency SD")
            #expect(abs(ours.baseline - row.baseline) <= max(0.5, abs(row.baseline) * 1e-5), "\(row.well): baseline \(ours.baseline) vs \(row.baseline)")
            #expect(ours.amplification == row.amplification && ours.plateau == row.plateau && ours.baselineError == row.baselineError,
                    "\(row.well): amplification, plateau, baseline error")
            if row.outlier {
                #expect(!ours.usedForMeanEfficiency, "\(row.well): an outlier is not used for the mean")
            } else if row.well == staleRow {
                #expect(ours.usedForMeanEfficiency == (ours.amplification && ours.plateau && ours.baselineError == 0), "\(row.well)")
            } else {
                #expect(ours.usedForMeanEfficiency == row.usedForMean, "\(row.well): used for the mean efficiency")
            }
            #expect(ours.flags.joined(separator: ";") == row.flags, "\(row.well): notes")
            // Copies: a TD0 printed to 0.005 moves Ncopy by up to E^0.005 (0.35 %).
            if row.nCopy > 0 {
                let nCopy = try #require(ours.nCopy, "\(row.well): no Ncopy")
                #expect(abs(nCopy / row.nCopy - 1) < 0.005, "\(row.well): Ncopy \(nCopy) vs \(row.nCopy)")
            } else {
                #expect(ours.nCopy == nil, "\(row.well): Ncopy")
            }
        }
        print("qPCR conformance \(name): \(reference.count) wells, worst |ΔCq| \(worstCq), |Δmean eff| \(worstEfficiency), |Δindiv eff| \(worstIndividual)")
    }
}

/// RDML written by Precis, read by the RDML consortium's rdmlpython: valid against the official
/// RDML 1.3 schema, and every reaction, point and result reads back as Precis wrote it.
@Suite struct RDMLExportConformanceTests {
    private struct Reference: Decodable {
        struct Run: Decodable { let experiment: String, run: String, reacts: [React] }
        struct React: Decodable { let id: Int, sample: String, datas: [Datum] }
        struct Datum: Decodable { let tar: String, cq: String, ampEff: String, bgFluor: String, adp: [[Double]], mdp: [[Double]] }
        let version: String, valid: Bool, validation: String, runs: [Run]
    }

    @Test(arguments: ["own_mix_a", "matrix_gaps"])
    func analysedRunExportedAsRDML13IsValidAndReadsBack(_ name: String) throws {
        let (_, annotated) = try Runtime.analyzeRDML(Repo.fixture("qpcr/\(name).rdml"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rdml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("\(name)-1.3.rdml")
        try annotated.rdmlFile(version: "1.3").write(to: file)

        let reference = try JSONDecoder().decode(Reference.self, from: runReference("rdml_reference.py", [file.path]))
        #expect(reference.version == "1.3")
        #expect(reference.valid, "\(reference.validation)")
        let run = try #require(annotated.experiments.first?.runs.first)
        let theirs = try #require(reference.runs.first)
        #expect(theirs.reacts.map(\.id) == run.reactions.map(\.id))
        var points = 0
        for (ours, react) in zip(run.reactions, theirs.reacts) {
            #expect(react.sample == ours.sampleID)
            for (data, datum) in zip(ours.data, react.datas) {
                #expect(datum.tar == data.targetID)
                #expect(Double(datum.cq) == data.cq, "\(ours.id): cq")
                #expect(Double(datum.ampEff) == data.efficiency, "\(ours.id): ampEff")
                #expect(Double(datum.bgFluor) == data.backgroundFluorescence, "\(ours.id): bgFluor")
                #expect(datum.adp.map { $0[0] } == data.amplification.map(\.cycle))
                #expect(datum.adp.map { $0[1] } == data.amplification.map(\.fluorescence))
                #expect(datum.mdp.map { $0[0] } == data.melt.map(\.temperature))
                #expect(datum.mdp.map { $0[1] } == data.melt.map(\.fluorescence))
                points += datum.adp.count + datum.mdp.count
            }
        }
        #expect(points > 0)
    }
}
