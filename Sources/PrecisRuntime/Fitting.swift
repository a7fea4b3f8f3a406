import Foundation
import PrecisCore
import PrecisFormats
import PrecisSignal

/// A fitted curve as `precis fit` prints it.
public struct FitReport: Sendable, Codable, Equatable {
    /// `4PL`, `5PL` or `linear`.
    public var model: String
    /// The parameters by name.
    public var parameters: [String: Double]
    /// Their standard errors by name.
    public var standardErrors: [String: Double]
    /// The parameter names in the formula's order.
    public var order: [String]
    /// √(Σ w r² / (n − p)).
    public var residualStandardError: Double
    /// n − p.
    public var degreesOfFreedom: Int
    /// Points fitted.
    public var points: Int
    /// The weighting, as given.
    public var weighting: String
    /// Minimiser iterations.
    public var iterations: Int
}

/// Which calibration curve to fit, by the name `precis fit` takes.
public enum FitKind: String, Sendable, Codable, Equatable, CaseIterable {
    /// Four-parameter logistic.
    case fourPL = "4pl"
    /// Five-parameter logistic.
    case fivePL = "5pl"
    /// Straight line.
    case linear

    /// The fitter's own kind.
    var fitter: CalibrationFitter.Kind {
        switch self {
        case .fourPL: .fourPL
        case .fivePL: .fivePL
        case .linear: .linear
        }
    }
}

/// Curve fitting from files: standards read from CSV, weights named on the command line.
public enum Fitting {
    /// Reads `x` and `y` columns (and the weights `weights` names) from a CSV file and fits.
    ///
    /// `weights`: `none`, `1/y2`, `1/x`, a column of weights, or `sd:COLUMN` (weights 1/SD²).
    public static func fit(_ kind: FitKind, file: URL, x: String, y: String,
                           weights: String = "none") throws -> (report: FitReport, model: CalibrationModel) {
        let table = try CSVTable(contentsOf: file)
        let xs = try table.numbers(x), ys = try table.numbers(y)
        let weighting = try weightingOption(weights, table: table)
        let fit = try CalibrationFitter.fit(kind.fitter, x: xs, y: ys, weighting: weighting)
        let names = fit.model.parameters.map(\.name)
        let report = FitReport(
            model: fit.model.typeName,
            parameters: Dictionary(uniqueKeysWithValues: fit.model.parameters.map { ($0.name, $0.value) }),
            standardErrors: Dictionary(uniqueKeysWithValues: zip(names, fit.standardErrors).map { ($0, $1) }),
            order: names, residualStandardError: fit.residualStandardError, degreesOfFreedom: fit.degreesOfFreedom,
            points: xs.count, weighting: weights, iterations: fit.iterations)
        return (report, fit.model)
    }

    static func weightingOption(_ option: String, table: CSVTable) throws -> FitWeighting {
        switch option {
        case "none", "": return .none
        case "1/y2", "1/y^2": return .inverseY2
        case "1/x": return .inverseX
        default:
            if option.hasPrefix("sd:") {
                let sds = try table.numbers(String(option.dropFirst(3)))
                guard sds.allSatisfy({ $0 > 0 }) else { throw PrecisError(.input, "every SD must be positive") }
                return .given(sds.map { 1 / ($0 * $0) })
            }
            return .given(try table.numbers(option))
        }
    }
}
