import ArgumentParser
import Foundation
import PrecisCore
import PrecisRuntime

/// `precis analyze`: re-analyse recorded data without an instrument.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze", abstract: "Analyse recorded data offline (nothing is stored).",
        subcommands: [LateralFlow.self, MethodSCRIPT.self, QPCR.self])

    /// `precis analyze lfa FILE.csv --assay crp --lot LOT`.
    struct LateralFlow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "lfa", abstract: "A strip's line profile (CSV position_um,reflectance).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The profile CSV.") var file: String
        @Option(help: "The assay.") var assay: String
        @Option(help: "The lot whose curve to use.") var lot: String

        func run() async throws {
            let runtime = try global.runtime()
            let report = try guarded { try runtime.analyzeProfile(URL(fileURLWithPath: file), assay: assay, lot: lot) }
            if global.json { return try Terminal.printJSON(report) }
            print("\(report.file): \(report.assay) \(report.status) \(report.display ?? "—") \(report.flags.joined(separator: " "))")
            if let ratio = report.tcRatio { print("  T/C \(ratio)") }
            for (name, line) in [("control", report.control), ("test", report.test)] {
                if let line { print("  \(name) line at \(line.positionMM) mm: area \(line.area), S/N \(line.signalToNoise)") }
            }
            if report.status == "INVALID" { throw ExitCode(7) }
        }
    }

    /// `precis analyze methodscript FILE`: a potentiostat's MethodSCRIPT output.
    struct MethodSCRIPT: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "methodscript",
            abstract: "A MethodSCRIPT output stream: packages decoded, peaks or steady state.",
            discussion: """
                Peaks as PSTrace finds them: each bounded on its flanks where its own baseline touches the curve \
                (--bounds valley: at the valleys that enclose it), value = current minus the baseline at the peak, \
                area between the bounds, width at half height; edge maxima (start transient, \
                a rise cut by the sweep's end) left out unless --include-edges. A stream that did not finish (a \
                device error, a loop without its end) is refused (exit 2).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The device output (one reply line per line).") var file: String
        @Option(help: "lsv, dpv, swv, cv or ca (default: from the data).") var technique: MethodSCRIPTAnalysisOptions.Technique?
        @Option(help: "positive (oxidation, the default) or negative (reduction) peaks.") var polarity: MethodSCRIPTAnalysisOptions.Polarity = .positive
        @Option(help: "valley (the line between the valleys, default), tangent or none.") var baseline: MethodSCRIPTAnalysisOptions.Baseline = .valley
        @Option(help: "vendor (on the flanks as PSTrace puts them, each peak over its own baseline; default) or valley (Precis's: at the valleys, overlapping peaks split at the valley over one baseline).")
        var bounds: MethodSCRIPTAnalysisOptions.Bounds = .vendor
        @Option(parsing: .unconditional, help: "Drop peaks not higher than this over their baseline, A (e.g. 5e-9).") var minHeight: Double = 0
        @Option(parsing: .unconditional, help: "Drop peaks narrower than this at half height, V.") var minWidth: Double = 0
        @Option(help: "Which current of a package: net (the first, default), forward or reverse.") var variable: MethodSCRIPTAnalysisOptions.Current = .net
        @Option(parsing: .unconditional, help: "The sweep's scan rate, V/s (a square wave's step × frequency): each peak's charge.") var scanRate: Double?
        @Option(help: "A CV's (or LSV's) cycle peaks: baseline (over the capacitive baseline, default), semiderivative (the semi-derivative's maxima) or vendor (the points PalmSens' semi-derivative search reports); the last two need --scan-rate.")
        var cvMethod: MethodSCRIPTAnalysisOptions.CVMethod = .baseline
        @Flag(help: "Report edge maxima too, flagged.") var includeEdges = false
        @Flag(inversion: .prefixedNo, help: "Draw the curve with its peaks and baselines.") var plot = true

        mutating func validate() throws {
            try Check.number(minHeight, "--min-height")
            try Check.number(minWidth, "--min-width")
            try Check.number(scanRate, "--scan-rate", above: true)
        }

        func run() async throws {
            GlobalOptions.bootstrapLogging(verbose: global.verbose)
            try global.admit([(file, "FILE")])
            var options = MethodSCRIPTAnalysisOptions()
            options.technique = technique
            options.polarity = polarity
            options.baseline = baseline
            options.bounds = bounds
            options.minimumHeight = minHeight
            options.minimumWidth = minWidth
            options.variable = variable
            options.includeEdgePeaks = includeEdges
            options.scanRate = scanRate
            options.cvMethod = cvMethod
            let report = try guarded { try Runtime.analyzeMethodSCRIPT(URL(fileURLWithPath: file), options: options) }
            if global.json { return try Terminal.printJSON(report) }
            for line in Self.text(report) { print(line) }
            if plot, !report.curve.isEmpty, report.technique != .ca {
                print("")
                for line in ProfilePlot.voltammogram(points: report.curve, peaks: report.peaks, window: nil, width: 72,
                                                     legend: "\(report.variable.rawValue) current (nA) over potential (V) · P: a peak · | its bounds · dotted: its baseline") {
                    print(line)
                }
            }
        }

        /// The report in engineering units, a line per peak.
        static func text(_ report: MethodSCRIPTAnalysis) -> [String] {
            var out = ["\(report.file): \(report.packages.count) data packages · \(report.technique.rawValue), \(report.variable.rawValue) current, "
                       + "\(report.baseline.rawValue) baseline, \((report.bounds ?? .valley).rawValue) bounds · \(report.peaks.count) peak\(report.peaks.count == 1 ? "" : "s")"]
            for p in report.peaks {
                var line = "  peak at \(Engineering.format(p.potential, "V"))"
                if let direction = p.direction { line += " (\(direction)\(p.cycle.map { ", cycle \($0)" } ?? ""))" }
                line += ": \(Engineering.format(p.height, "A")) over a baseline of \(Engineering.format(p.baselineCurrent, "A"))"
                line += " · from \(Engineering.format(p.startPotential, "V")) to \(Engineering.format(p.endPotential, "V"))"
                line += " · area \(Engineering.format(p.area, "V·A"))"
                if let charge = p.charge { line += " · charge \(Engineering.format(charge, "C"))" }
                if let width = p.width { line += " · width \(Engineering.format(width, "V"))" }
                if p.edge == true { line += " · edge" }
                if p.unresolved == true { line += " · unresolved from its neighbour (valley above 1/5 of the smaller peak: area not within 1 %)" }
                out.append(line)
            }
            for c in report.cycles {
                func v(_ x: Double?, _ unit: String) -> String { x.map { Engineering.format($0, unit) } ?? "—" }
                let semi = c.method == MethodSCRIPTAnalysisOptions.CVMethod.semiderivative.rawValue
                let vendor = c.method == MethodSCRIPTAnalysisOptions.CVMethod.vendor.rawValue
                let (current, label) = semi ? ("A/√s", "semi-derivative peaks: ") : ("A", vendor ? "PalmSens' semi-derivative points: " : "")
                out.append("  cycle \(c.cycle): \(label)Epa \(v(c.epa, "V")), Epc \(v(c.epc, "V")), ipa \(v(c.ipa, current)), ipc \(v(c.ipc, current)), "
                           + "ΔEp \(v(c.deltaEp, "V")), E½ \(v(c.eHalf, "V")), ipa/ipc \(c.ratio.map { String(format: "%.3f", $0) } ?? "—")")
            }
            switch report.steadyState {
            case let .settled(current, time)?: out.append("  steady state \(Engineering.format(current, "A")) from \(Engineering.format(time, "s"))")
            case let .notSettled(drift, tolerance)?:
                out.append("  not settled (last drift \(Engineering.format(drift, "A")), tolerance \(Engineering.format(tolerance, "A")))")
            case nil: break
            }
            return out
        }
    }
}

extension MethodSCRIPTAnalysisOptions.Technique: ExpressibleByArgument {}
extension MethodSCRIPTAnalysisOptions.Polarity: ExpressibleByArgument {}
extension MethodSCRIPTAnalysisOptions.Baseline: ExpressibleByArgument {}
extension MethodSCRIPTAnalysisOptions.Bounds: ExpressibleByArgument {}
extension MethodSCRIPTAnalysisOptions.Current: ExpressibleByArgument {}
extension MethodSCRIPTAnalysisOptions.CVMethod: ExpressibleByArgument {}

/// Numbers in engineering units: four significant digits with the SI prefix of their size
/// (pA, nA, µA, mA; mV; nC, µC), as PSTrace shows them.
enum Engineering {
    static func format(_ value: Double, _ unit: String) -> String {
        guard value.isFinite else { return "\(value) \(unit)" }
        let prefixes: [(Double, String)] = [(1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m"), (1, "")]
        let magnitude = abs(value)
        let (factor, prefix) = magnitude == 0 ? (1, "") : prefixes.last { magnitude >= $0.0 * 0.9995 } ?? prefixes[0]
        return String(format: "%.4g", value / factor) + " " + prefix + unit
    }
}

extension AnalyzeCommand {
    /// `precis analyze qpcr FILE.rdml`: LinRegPCR on every run of an RDML file.
    struct QPCR: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qpcr",
            abstract: "An RDML file (1.1–1.4): Cq, PCR efficiency (LinRegPCR), N0, copies, melt peaks, standard curves.",
            discussion: """
                Cq is the second-derivative maximum (LinRegPCR's TD0); cqThreshold is where the baseline-corrected curve \
                crosses the target's threshold (--threshold, or the geometric mean of the fluorescence at Cq). \
                --write-rdml writes the file back with the results in each reaction (cq, ampEff, N0/Ncopy, bgFluor, notes).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The RDML file (.rdml ZIP or bare XML).") var file: String
        @Option(parsing: .unconditional, help: "A fixed threshold (baseline-corrected fluorescence) for cqThreshold.") var threshold: Double?
        @Option(help: "Efficiency outliers: outlier (Grubbs, the default), mean (±0.05 of the median), include.")
        var efficiencyExclusion: String = "outlier"
        @Flag(help: "Count curves without a plateau in the mean efficiency.") var includeNoPlateau = false
        @Option(help: "Write the RDML back with the results to this file.") var writeRdml: String?
        @Option(help: "The RDML version written: 1.4 (default) or 1.3.") var rdmlVersion: String = "1.4"
        @Flag(help: "Draw each target's baseline-corrected curves (log scale) in the terminal.") var plot = false

        mutating func validate() throws { try Check.number(threshold, "--threshold", above: true) }

        func run() async throws {
            GlobalOptions.bootstrapLogging(verbose: global.verbose)
            guard let exclusion = QPCREfficiencyExclusion(rawValue: efficiencyExclusion) else {
                throw fail(PrecisError(.input, "--efficiency-exclusion must be outlier, mean or include, not '\(efficiencyExclusion)'"))
            }
            try global.admit([(file, "FILE"), (writeRdml, "--write-rdml")])
            let options = QPCRAnalysisOptions(threshold: threshold, efficiencyExclusion: exclusion, excludeNoPlateau: !includeNoPlateau)
            let (report, annotated) = try guarded { try Runtime.analyzeRDML(URL(fileURLWithPath: file), options: options) }
            if let writeRdml {
                try guarded {
                    let data = try annotated.rdmlFile(version: rdmlVersion)
                    do { try data.write(to: URL(fileURLWithPath: writeRdml)) } catch {
                        throw PrecisError(.input, "cannot write \(writeRdml): \(error.localizedDescription)")
                    }
                }
            }
            if global.json { return try Terminal.printJSON(report) }
            print("\(report.file) (RDML \(report.rdmlVersion)): \(report.wells.count) wells × targets · \(report.method)")
            for warning in report.warnings { print("  warning: \(warning)") }
            print(Self.table(report.wells))
            for curve in report.standardCurves {
                print("standard curve \(curve.target) (\(curve.experiment)/\(curve.run)): slope \(fmt(curve.slope, 3)), "
                      + "intercept \(fmt(curve.intercept, 2)), R² \(fmt(curve.r2, 4)), efficiency \(fmt(curve.efficiency, 3)) "
                      + "from \(curve.standards) standards (\(curve.unit))")
            }
            if plot {
                for target in Array(Set(report.wells.map(\.target))).sorted() {
                    print("\n" + target)
                    for line in QPCRPlot.lines(report.wells.filter { $0.target == target }, width: 72) { print(line) }
                }
            }
            if let writeRdml { print("results written to \(writeRdml) (RDML \(rdmlVersion))") }
        }

        static func table(_ wells: [QPCRWellResult]) -> String {
            var lines = ["well  sample          type  target            Cq      Cq(thr)  eff    indiv  N0          copies      Tm     flags"]
            for w in wells {
                let cells: [String] = [
                    w.well.padding(toLength: 5, withPad: " ", startingAt: 0),
                    String(w.sample.prefix(15)).padding(toLength: 15, withPad: " ", startingAt: 0),
                    w.sampleType.padding(toLength: 5, withPad: " ", startingAt: 0),
                    String(w.target.prefix(17)).padding(toLength: 17, withPad: " ", startingAt: 0),
                    pad(w.cq.map { fmt($0, 2) } ?? "—", 7), pad(w.cqThreshold.map { fmt($0, 2) } ?? "—", 8),
                    pad(w.efficiency.map { fmt($0, 3) } ?? "—", 6), pad(w.individualEfficiency.map { fmt($0, 3) } ?? "—", 6),
                    pad(w.n0.map { String(format: "%.3g", $0) } ?? "—", 11), pad(w.nCopy.map { String(format: "%.4g", $0) } ?? "—", 11),
                    pad(w.meltPeaks.first.map { fmt($0, 1) } ?? "—", 6), w.flags.joined(separator: "; "),
                ]
                lines.append(cells.joined(separator: " "))
            }
            return lines.joined(separator: "\n")
        }

        static func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count), withPad: " ", startingAt: 0) }
    }
}

private func fmt(_ x: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", x) }

/// A target's amplification curves in braille: log10 of the baseline-corrected fluorescence by
/// cycle, each well a line, the threshold dotted, Cq marked on a ruler.
enum QPCRPlot {
    static func lines(_ wells: [QPCRWellResult], width: Int, height: Int = 12) -> [String] {
        let curves = wells.map { $0.corrected.map { $0 > 0 ? log10($0) : Double.nan } }
        let values = curves.flatMap { $0 }.filter(\.isFinite)
        guard let cycles = wells.map(\.corrected.count).max(), cycles > 1, let top = values.max() else { return ["  (no curves)"] }
        let bottom = max(values.min() ?? top - 1, top - 4)            // four decades, as LinRegPCR shows them
        var canvas = BrailleCanvas(columns: width, rows: height)
        func point(_ i: Int, _ y: Double) -> (Double, Double) { (Double(i) / Double(cycles - 1), (max(y, bottom) - bottom) / max(top - bottom, 1e-9)) }
        for curve in curves {
            for i in curve.indices.dropFirst() where curve[i - 1].isFinite && curve[i].isFinite {
                canvas.line(from: point(i - 1, curve[i - 1]), to: point(i, curve[i]))
            }
        }
        if let threshold = wells.first?.threshold, threshold > 0 {
            for i in stride(from: 0, to: cycles * 4, by: 3) { canvas.plot(x: Double(i) / Double(cycles * 4 - 1), y: (log10(threshold) - bottom) / max(top - bottom, 1e-9)) }
        }
        var out = canvas.render().enumerated().map { index, row -> String in
            let tag = index == 0 ? String(format: "%.2g", pow(10, top)) : index == height - 1 ? String(format: "%.2g", pow(10, bottom)) : ""
            return tag.padding(toLength: 8, withPad: " ", startingAt: 0) + "│" + row
        }
        var ruler = Array(repeating: Character(" "), count: width)
        for cq in wells.compactMap(\.cq) {
            let i = Int(((cq - 1) / Double(cycles - 1) * Double(width - 1)).rounded())
            if ruler.indices.contains(i) { ruler[i] = "▲" }
        }
        out.append(String(repeating: " ", count: 8) + "└" + String(repeating: "─", count: width))
        out.append(String(repeating: " ", count: 9) + String(ruler))
        out.append("         cycle 1" + String(repeating: " ", count: max(width - 14, 1)) + "\(cycles)")
        out.append("        fluorescence − baseline (log) by cycle · ▲ Cq · dotted: threshold")
        return out
    }
}
