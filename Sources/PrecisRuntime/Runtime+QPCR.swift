import Foundation
import PrecisCore
import PrecisFormats
import PrecisSignal

/// A qPCR run analysed: one entry per well and target (dye), standard curves per target.
public struct QPCRAnalysisReport: Sendable, Codable, Equatable {
    public var file: String
    public var rdmlVersion: String
    /// The method and its settings, so a result can be reproduced.
    public var method: String
    public var wells: [QPCRWellResult]
    public var standardCurves: [QPCRStandardCurve]
    /// Data problems found (gaps filled, negative fluorescence, targets without a dye).
    public var warnings: [String]
}

/// One well and target.
public struct QPCRWellResult: Sendable, Codable, Equatable {
    public var experiment: String
    public var run: String
    public var well: String
    public var sample: String
    public var sampleType: String
    public var target: String
    public var dye: String?
    /// The quantification cycle: the maximum of the second derivative (LinRegPCR's TD0),
    /// nil when the curve has none.
    public var cq: Double?
    /// The cycle where the baseline-corrected curve crosses the target's threshold.
    public var cqThreshold: Double?
    /// The threshold used for `cqThreshold` (baseline-corrected fluorescence).
    public var threshold: Double?
    /// The target's mean PCR efficiency (fold per cycle) used for N0, nil when none.
    public var efficiency: Double?
    public var efficiencySD: Double?
    /// This well's own efficiency from its window of linearity.
    public var individualEfficiency: Double?
    public var r2: Double?
    /// Starting fluorescence: fluorescence at Cq / efficiency^Cq.
    public var n0: Double?
    /// Starting copies from the limiting component (dye or primers).
    public var nCopy: Double?
    /// Starting quantity from the target's standard curve, in the standards' unit.
    public var quantity: Double?
    public var baseline: Double
    /// The window of linearity: its last cycle and how many cycles it holds.
    public var logWindowEnd: Int?
    public var logWindowCycles: Int?
    public var amplification: Bool
    public var plateau: Bool
    public var baselineError: Int
    public var usedForMeanEfficiency: Bool
    /// Melting temperatures of the −dF/dT peaks, tallest first.
    public var meltPeaks: [Double]
    /// What a reviewer must read: the reasons to exclude the well, then notes.
    public var flags: [String]
    /// Excluded (by the file, or for a reason in `flags`).
    public var excluded: Bool
    /// The baseline-corrected curve, cycle 1 first (for plots; not in the JSON).
    public var corrected: [Double] = []

    enum CodingKeys: String, CodingKey {
        case experiment, run, well, sample, sampleType, target, dye, cq, cqThreshold, threshold, efficiency, efficiencySD
        case individualEfficiency, r2, n0, nCopy, quantity, baseline, logWindowEnd, logWindowCycles, amplification, plateau
        case baselineError, usedForMeanEfficiency, meltPeaks, flags, excluded
    }
}

/// A target's standard curve.
public struct QPCRStandardCurve: Sendable, Codable, Equatable {
    public var experiment: String
    public var run: String
    public var target: String
    public var slope: Double
    public var intercept: Double
    public var r2: Double
    public var efficiency: Double
    public var standards: Int
    public var unit: String
}

/// Options of a qPCR analysis.
public struct QPCRAnalysisOptions: Sendable {
    /// A fixed threshold for `cqThreshold`; nil: per target, the geometric mean of the
    /// fluorescence at Cq of the wells used for the mean efficiency.
    public var threshold: Double?
    public var efficiencyExclusion: QPCREfficiencyExclusion
    public var excludeNoPlateau: Bool
    public init(threshold: Double? = nil, efficiencyExclusion: QPCREfficiencyExclusion = .outlier, excludeNoPlateau: Bool = true) {
        self.threshold = threshold
        self.efficiencyExclusion = efficiencyExclusion
        self.excludeNoPlateau = excludeNoPlateau
    }
}

/// Which curves LinRegPCR leaves out of a target's mean PCR efficiency, by the name `--efficiency-exclusion` takes.
public enum QPCREfficiencyExclusion: String, Sendable, Codable, Equatable, CaseIterable {
    /// Grubbs' test, repeated while the efficiencies are significantly skewed.
    case outlier
    /// Curves more than 0.05 from the target's median.
    case mean
    /// None.
    case include

    /// LinRegPCR's own setting.
    var linRegPCR: LinRegPCR.EfficiencyExclusion {
        switch self {
        case .outlier: .outlier
        case .mean: .mean
        case .include: .include
        }
    }
}

extension Runtime {
    /// Reads an RDML file and analyses every run in it.
    public static func analyzeRDML(_ url: URL, options: QPCRAnalysisOptions = .init()) throws -> (QPCRAnalysisReport, RDMLDocument) {
        let document = try RDMLDocument(contentsOf: url)
        var (report, annotated) = try QPCRAnalysis.analyse(document, options: options)
        report.file = url.lastPathComponent
        return (report, annotated)
    }
}

/// LinRegPCR, threshold Cq, melt peaks, copies and standard curves over an RDML document.
public enum QPCRAnalysis {
    // LinRegPCR's defaults when the file does not say (rdml.org reference implementation).
    static let defaultVolume96 = 20.0, defaultVolume384 = 10.0
    static let sybrConcentration = 400.0, saturatingDyeConcentration = 1250.0
    static let primerConcentration = 250.0, ampliconLength = 100.0

    /// Analyses every run; returns the report and the document with the results written into
    /// each reaction's data (cq, N0, Ncopy, efficiency, baseline, notes), as LinRegPCR does.
    public static func analyse(_ document: RDMLDocument, options: QPCRAnalysisOptions = .init()) throws -> (QPCRAnalysisReport, RDMLDocument) {
        let method = LinRegPCR(efficiencyExclusion: options.efficiencyExclusion.linRegPCR, excludeNoPlateau: options.excludeNoPlateau)
        var annotated = document, wells: [QPCRWellResult] = [], curves: [QPCRStandardCurve] = [], warnings: [String] = []
        let samples = Dictionary(document.samples.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for target in document.targets where document.dye(ofTarget: target.id) == nil {
            warnings.append("target \(target.id) names no defined dye; copies assume a non-saturating DNA binding dye")
        }
        for (e, experiment) in document.experiments.enumerated() {
            for (r, run) in experiment.runs.enumerated() {
                // One curve per reaction data that has amplification points.
                var positions: [(reaction: Int, data: Int)] = [], input: [AmplificationCurve] = []
                for (i, reaction) in run.reactions.enumerated() {
                    // A data element without points is analysed too (as LinRegPCR does): it is a
                    // well that gave nothing, reported with no amplification, not left out.
                    for (j, data) in reaction.data.enumerated() {
                        let cycles = Int(data.amplification.map(\.cycle).max()?.rounded(.up) ?? 0)
                        var fluorescence = [Double?](repeating: nil, count: cycles)
                        for p in data.amplification { fluorescence[Int(p.cycle.rounded(.up)) - 1] = p.fluorescence }
                        let type = samples[reaction.sampleID]?.type(for: data.targetID) ?? "unkn"
                        input.append(AmplificationCurve(well: run.format.well(reaction.id), target: data.targetID, sampleType: type,
                                                        fluorescence: fluorescence, excluded: !(data.excluded ?? "").isEmpty))
                        positions.append((i, j))
                    }
                }
                guard input.contains(where: { $0.fluorescence.contains { $0 != nil } }) else { continue }
                let analysis = try method.analyse(input)
                warnings += analysis.warnings.map { "experiment \(experiment.id), run \(run.id): \($0)" }
                let thresholds = threshold(for: analysis.results, fixed: options.threshold)
                var runWells: [QPCRWellResult] = []
                for (k, result) in analysis.results.enumerated() {
                    let reaction = run.reactions[positions[k].reaction], data = reaction.data[positions[k].data]
                    let sample = samples[reaction.sampleID]
                    let copies = copyModel(document, target: data.targetID, sample: sample, reaction: reaction, run: run)
                    let peaks = data.melt.count >= 7
                        ? (try? MeltCurve(temperatures: data.melt.map(\.temperature), fluorescence: data.melt.map(\.fluorescence)))?.peaks.map(\.temperature) ?? []
                        : []
                    let cq = result.td0 > 0 ? result.td0 : nil
                    var result = result
                    let nCopy = cq.flatMap { copies.startingCopies(efficiency: result.meanEfficiency, td0: $0) }
                    if ["std", "pos", "unkn"].contains(input[k].sampleType), let nCopy {
                        if nCopy > 1e8 { result.notes.append("Ncopy > 100 Mio") }
                        if nCopy < 10 { result.notes.append("Ncopy < 10") }
                    }
                    let threshold = thresholds[result.target]
                    // A file this analysis wrote already holds its exclusions: each is listed once.
                    let fileExclusion = Self.exclusions(data.excluded)
                    runWells.append(QPCRWellResult(
                        experiment: experiment.id, run: run.id, well: result.well, sample: reaction.sampleID, sampleType: input[k].sampleType,
                        target: result.target, dye: document.dye(ofTarget: result.target)?.id, cq: cq,
                        cqThreshold: result.amplification ? threshold.flatMap { thresholdCycle(result.corrected, threshold: $0) } : nil,
                        threshold: threshold, efficiency: result.meanEfficiency > 0 ? result.meanEfficiency : nil,
                        efficiencySD: result.meanEfficiencySD.isFinite && result.meanEfficiency > 0 ? result.meanEfficiencySD : nil,
                        individualEfficiency: result.baselineError == 0 ? result.individualEfficiency : nil,
                        r2: result.r2 >= 0 ? result.r2 : nil, n0: result.n0 > 0 ? result.n0 : nil,
                        nCopy: nCopy, quantity: nil,
                        baseline: result.baseline, logWindowEnd: result.lastLogCycle > 0 ? result.lastLogCycle : nil,
                        logWindowCycles: result.cyclesIncluded > 0 ? result.cyclesIncluded : nil, amplification: result.amplification,
                        plateau: result.plateau, baselineError: result.baselineError, usedForMeanEfficiency: result.usedForMeanEfficiency,
                        meltPeaks: peaks, flags: Self.unique(fileExclusion + result.exclusions) + result.notes,
                        excluded: !fileExclusion.isEmpty || !result.exclusions.isEmpty, corrected: result.corrected))
                    write(result, copies: copies, into: &annotated.experiments[e].runs[r].reactions[positions[k].reaction].data[positions[k].data])
                }
                curves += standardCurves(&runWells, samples: samples, experiment: experiment.id, run: run.id)
                annotated.experiments[e].runs[r].backgroundDeterminationMethod = "LinRegPCR, constant"
                annotated.experiments[e].runs[r].cqDetectionMethod = "automated threshold and baseline settings"
                wells += runWells
            }
        }
        let settings = "LinRegPCR (efficiency exclusion: \(options.efficiencyExclusion.rawValue), no-plateau curves \(options.excludeNoPlateau ? "excluded" : "included") from the mean efficiency); Cq = TD0, the second-derivative maximum"
        return (QPCRAnalysisReport(file: "", rdmlVersion: document.version, method: settings, wells: wells, standardCurves: curves,
                                   warnings: warnings), annotated)
    }

    /// Per target: the fixed threshold, or the geometric mean of the fluorescence at TD0 of the
    /// curves used for the mean efficiency.
    static func threshold(for results: [LinRegPCRResult], fixed: Double?) -> [String: Double] {
        var out: [String: Double] = [:]
        for target in Set(results.map(\.target)) {
            if let fixed { out[target] = fixed; continue }
            let logs = results.filter { $0.target == target && $0.usedForMeanEfficiency && $0.td0Fluorescence > 0 }.map { Foundation.log($0.td0Fluorescence) }
            if !logs.isEmpty { out[target] = Foundation.exp(logs.reduce(0, +) / Double(logs.count)) }
        }
        return out
    }

    /// The copy-number model for a reaction, from the file's dye, target, sample and volume,
    /// with LinRegPCR's defaults for what it does not give.
    static func copyModel(_ document: RDMLDocument, target targetID: String, sample: RDMLDocument.Sample?,
                          reaction: RDMLDocument.Reaction, run: RDMLDocument.Run) -> CopyNumberModel {
        let target = document.targets.first { $0.id == targetID }
        let dye = document.dye(ofTarget: targetID)
        let chemistry = dye?.chemistry.flatMap { $0.isEmpty ? nil : $0 } ?? "non-saturating DNA binding dye"
        let factor: Double
        switch chemistry {
        case "saturating DNA binding dye": factor = 0.04
        case "hybridization probe", "hydrolysis probe": factor = 0.10
        default: factor = 1.5
        }
        let amplicon = target?.amplicon.map(\.sequence.count).flatMap { $0 > 30 ? Double($0) : nil } ?? ampliconLength
        let primers = min(target?.forwardPrimer?.concentration ?? primerConcentration, target?.reversePrimer?.concentration ?? primerConcentration)
        return CopyNumberModel(
            chemistry: chemistry, nCopyFactor: dye?.nCopyFactor ?? factor,
            dyeConcentration: dye?.concentration ?? (chemistry == "saturating DNA binding dye" ? saturatingDyeConcentration : sybrConcentration),
            primerConcentration: primers, ampliconLength: amplicon,
            volume: reaction.volume ?? (run.format.columns < 13 ? defaultVolume96 : defaultVolume384),
            singleStranded: sample?.doubleStranded != true)
    }

    /// Writes LinRegPCR's results into the reaction's data, as the reference implementation does.
    /// An RDML `excl` element's reasons (`;`-separated).
    static func exclusions(_ text: String?) -> [String] {
        (text ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `reasons` with each one once, in their first order.
    static func unique(_ reasons: [String]) -> [String] {
        var seen = Set<String>()
        return reasons.filter { seen.insert($0).inserted }
    }

    static func write(_ result: LinRegPCRResult, copies: CopyNumberModel, into data: inout RDMLDocument.ReactionData) {
        data.cq = result.td0 > 0 && result.td0 < 1000 ? (result.td0 * 1000).rounded() / 1000 : -1
        data.n0 = nil
        data.nCopy = copies.startingCopies(efficiency: result.meanEfficiency, td0: result.td0).map { ($0 * 10000).rounded() / 10000 } ?? -1
        data.efficiencyMethod = "LinRegPCR"
        data.efficiency = result.meanEfficiency.isFinite ? (result.meanEfficiency * 1000).rounded() / 1000 : -1
        data.efficiencySE = result.meanEfficiencySD.isFinite ? (result.meanEfficiencySD * 1000).rounded() / 1000 : -1
        data.backgroundFluorescence = (result.baseline * 1000).rounded() / 1000
        data.quantificationFluorescence = (result.td0Fluorescence * 1000).rounded() / 1000
        if !result.exclusions.isEmpty { data.excluded = unique(exclusions(data.excluded) + result.exclusions).joined(separator: ";") }
        data.note = result.notes.isEmpty ? data.note : result.notes.joined(separator: ";")
    }

    /// Per target in a run with standards of known quantity and a Cq: the standard curve, and
    /// every well's quantity from it.
    static func standardCurves(_ wells: inout [QPCRWellResult], samples: [String: RDMLDocument.Sample],
                               experiment: String, run: String) -> [QPCRStandardCurve] {
        var curves: [QPCRStandardCurve] = []
        for target in Set(wells.map(\.target)).sorted() {
            let standards = wells.filter { $0.target == target && $0.sampleType == "std" && !$0.excluded && $0.cq != nil }
                .compactMap { w in samples[w.sample]?.quantity.map { (q: $0, cq: w.cq!) } }
            guard standards.count >= 3, let unit = standards.first?.q.unit,
                  let curve = try? StandardCurve(quantities: standards.map(\.q.value), cqs: standards.map(\.cq)) else { continue }
            curves.append(QPCRStandardCurve(experiment: experiment, run: run, target: target, slope: curve.slope, intercept: curve.intercept,
                                            r2: curve.r2, efficiency: curve.efficiency, standards: curve.points, unit: unit))
            for i in wells.indices where wells[i].target == target {
                wells[i].quantity = wells[i].cq.map { curve.quantity(cq: $0) }
            }
        }
        return curves
    }
}
