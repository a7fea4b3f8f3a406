import ArgumentParser
import Foundation
import PrecisCore
import PrecisFormats
import PrecisRuntime
import PrecisSignal

/// `precis plate`: a qPCR plate on a real-time PCR cycler, from thermal profile to analysed RDML.
struct PlateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plate",
        abstract: "Run a qPCR plate on a cycler: raw data and the analysis written as RDML, the results shown.",
        discussion: """
            The layout CSV has well,sample,type[,quantity,unit] (types: unkn, std, ntc, nac, ntp, nrt, pos, opt); \
            standards need a quantity. Calibration/plates/sim-dilution-series.csv describes the simulator's plate. \
            A run that stops half way writes what arrived to OUTPUT.partial.rdml.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "The cycler (sim:qpcr, usb:SERIAL, replay:FILE).") var device: String
    @Option(help: "The plate's layout CSV.") var layout: String?
    @Option(help: "The plate's id (default PLATE-<time>).") var plate: String?
    @Option(help: "Dye channels to read, comma-separated (default: the cycler's first).") var dyes: String?
    @Option(help: "Target names by dye: FAM=GAPDH,HEX=KRAS (default: the dye's name).") var targets: String?
    @Option(help: "The dye chemistry (for copy numbers).") var chemistry: String = "non-saturating DNA binding dye"
    @Option(help: "Cycles of the standard two-step profile.") var cycles: Int = 45
    @Option(help: "Where to write the RDML.") var out: String
    @Option(help: "Also write a replayable trace of the session with the cycler to this file.") var record: String?
    @Flag(help: "Draw each target's curves in the terminal.") var plot = false

    mutating func validate() throws { try Check.whole(cycles, "--cycles", in: 1...100) }

    func run() async throws {
        GlobalOptions.bootstrapLogging(verbose: global.verbose)
        let runtime = try global.runtime()
        try guarded { try runtime.files.admit([(layout, "--layout")]) }
        let request = try guarded { () throws -> PlateRequest in
            var names: [String: String] = [:]
            for pair in (targets ?? "").split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw PrecisError(.input, "--targets takes DYE=NAME pairs, e.g. FAM=GAPDH") }
                names[parts[0]] = parts[1]
            }
            let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
            return PlateRequest(device: device, dyes: dyes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
                                targets: names, chemistry: chemistry, layout: try layout.map { try PlateLayout(contentsOf: URL(fileURLWithPath: $0)) },
                                plateID: plate ?? "PLATE-\(stamp)", cycles: cycles, output: URL(fileURLWithPath: out),
                                recording: record.map { URL(fileURLWithPath: $0) })
        }
        let bar = ProgressBar(label: "Cycling")
        let report = try await guarded { try await runtime.runPlate(request) { done, total in bar.update(done: done, total: total) } }
        bar.finish()
        if global.json { return try Terminal.printJSON(report) }
        print("\(report.plateID) on \(report.instrument): \(report.analysis.wells.count) wells × dyes → \(report.rdml)")
        for warning in report.analysis.warnings { print("  warning: \(warning)") }
        print(AnalyzeCommand.QPCR.table(report.analysis.wells))
        for curve in report.analysis.standardCurves {
            print("standard curve \(curve.target): slope \(String(format: "%.3f", curve.slope)), R² \(String(format: "%.4f", curve.r2)), "
                  + "efficiency \(String(format: "%.3f", curve.efficiency)) from \(curve.standards) standards (\(curve.unit))")
        }
        if plot {
            for target in Array(Set(report.analysis.wells.map(\.target))).sorted() {
                print("\n" + target)
                for line in QPCRPlot.lines(report.analysis.wells.filter { $0.target == target }, width: 72) { print(line) }
            }
        }
    }
}
