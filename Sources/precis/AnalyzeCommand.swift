import ArgumentParser
import Foundation
import PrecisRuntime

/// `precis analyze`: re-analyse recorded data without an instrument.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze", abstract: "Analyse recorded data offline (nothing is stored).",
        subcommands: [LateralFlow.self, MethodSCRIPT.self])

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
        static let configuration = CommandConfiguration(commandName: "methodscript",
                                                        abstract: "A MethodSCRIPT output stream: packages decoded, peaks or steady state.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The device output (one reply line per line).") var file: String

        func run() async throws {
            GlobalOptions.bootstrapLogging(verbose: global.verbose)
            let report = try guarded { try Runtime.analyzeMethodSCRIPT(URL(fileURLWithPath: file)) }
            if global.json { return try Terminal.printJSON(report) }
            print("\(report.file): \(report.packages.count) data packages")
            for peak in report.peaks {
                print("  peak at \(peak.potential) V: height \(peak.height) A, area \(peak.area) V·A")
            }
            switch report.steadyState {
            case let .settled(current, time)?: print("  steady state \(current) A from \(time) s")
            case let .notSettled(drift, tolerance)?: print("  not settled (last drift \(drift) A, tolerance \(tolerance) A)")
            case nil: break
            }
        }
    }
}
