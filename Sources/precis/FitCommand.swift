import ArgumentParser
import Foundation
import PrecisCore
import PrecisRuntime

/// `precis fit 4pl|5pl|linear FILE.csv --x COLUMN --y COLUMN [--weights …]`.
struct FitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit", abstract: "Fit a 4PL, 5PL or linear calibration curve to standards in a CSV file.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "4pl, 5pl or linear.") var model: String
    @Argument(help: "The CSV file (a header row, then one standard per row).") var file: String
    @OptionGroup var columns: StandardsColumns

    func run() async throws {
        GlobalOptions.bootstrapLogging(verbose: global.verbose)
        try global.admit([(file, "FILE")])
        let report = try guarded { () throws -> FitReport in
            try Fitting.fit(try StandardsColumns.kind(model), file: URL(fileURLWithPath: file), x: columns.x, y: columns.y,
                            weights: columns.weights).report
        }
        if global.json { return try Terminal.printJSON(report) }
        print("\(report.model) fit of \(report.points) points (weights \(report.weighting)), \(report.iterations) iterations")
        for name in report.order {
            print("  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(report.parameters[name]!)  ± \(report.standardErrors[name]!)")
        }
        print("  residual standard error \(report.residualStandardError) on \(report.degreesOfFreedom) degrees of freedom")
    }
}

/// The columns of a standards CSV and their weighting, shared by `fit` and `calibrate`.
struct StandardsColumns: ParsableArguments {
    @Option(help: "The concentration column.") var x: String
    @Option(help: "The response column.") var y: String
    @Option(help: "none, 1/y2, 1/x, a column of weights, or sd:COLUMN (weights 1/SD²).") var weights = "none"

    /// The curve `name` names, or an input error.
    static func kind(_ name: String) throws -> FitKind {
        guard let kind = FitKind(rawValue: name.lowercased()) else {
            throw PrecisError(.input, "unknown model '\(name)'", hint: "use 4pl, 5pl or linear")
        }
        return kind
    }
}
