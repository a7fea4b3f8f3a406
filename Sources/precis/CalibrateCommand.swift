import ArgumentParser
import Foundation
import PrecisCore
import PrecisRuntime

/// `precis calibrate`: fit a lot's curve from measured standards and write its next version.
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate", abstract: "Recalibrate a lot from measured standards; writes Calibration/lots/LOT.vN.json.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The assay.") var assay: String
    @Option(help: "The lot to recalibrate.") var lot: String
    @Option(help: "CSV of the standards.") var standards: String
    @OptionGroup var columns: StandardsColumns
    @Option(help: "4pl, 5pl or linear.") var model = "4pl"
    @Option(name: .customLong("operator"), help: "Who recalibrates.")
    var operatorID: String = ProcessInfo.processInfo.environment["USER"] ?? "bench"

    func run() async throws {
        let runtime = try global.runtime()
        let report = try guarded { () throws -> RecalibrationReport in
            try runtime.recalibrate(assay: assay, lot: lot, standards: URL(fileURLWithPath: standards), x: columns.x, y: columns.y,
                                    model: try StandardsColumns.kind(model), weights: columns.weights, operatorID: operatorID)
        }
        if global.json { return try Terminal.printJSON(report) }
        print("Lot \(report.lot): version \(report.version) replaces version \(report.previousVersion) (\(report.file))")
        for name in report.fit.order {
            print("  \(name) = \(report.fit.parameters[name]!) ± \(report.fit.standardErrors[name]!)")
        }
        print("  residual standard error \(report.fit.residualStandardError) on \(report.fit.degreesOfFreedom) df")
    }
}
