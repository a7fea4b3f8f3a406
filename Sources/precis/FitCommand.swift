import ArgumentParser
import Foundation
import PrecisCore
import PrecisRuntime
import PrecisSignal

/// `precis fit 4pl|5pl|linear FILE.csv --x COLUMN --y COLUMN [--weights …]`.
struct FitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit", abstract: "Fit a 4PL, 5PL or linear calibration curve to standards in a CSV file.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "4pl, 5pl or linear.") var model: String
    @Argument(help: "The CSV file (a header row, then one standard per row).") var file: String
    @Option(help: "The concentration column.") var x: String
    @Option(help: "The response column.") var y: String
    @Option(help: "none, 1/y2, 1/x, a column of weights, or sd:COLUMN (weights 1/SD²).") var weights = "none"

    func run() async throws {
        GlobalOptions.bootstrapLogging(verbose: global.verbose)
        let report = try guarded { () throws -> FitReport in
            guard let kind = CalibrationFitter.Kind(rawValue: model.lowercased()) else {
                throw PrecisError(.input, "unknown model '\(model)'", hint: "use 4pl, 5pl or linear")
            }
            return try Fitting.fit(kind, file: URL(fileURLWithPath: file), x: x, y: y, weights: weights).report
        }
        if global.json { return try Terminal.printJSON(report) }
        print("\(report.model) fit of \(report.points) points (weights \(report.weighting)), \(report.iterations) iterations")
        for name in report.order {
            print("  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(report.parameters[name]!)  ± \(report.standardErrors[name]!)")
        }
        print("  residual standard error \(report.residualStandardError) on \(report.degreesOfFreedom) degrees of freedom")
    }
}
