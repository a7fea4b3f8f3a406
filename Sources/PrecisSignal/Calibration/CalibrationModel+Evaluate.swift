import PrecisCore
import RealModule

extension CalibrationModel {
    /// The response the curve gives at concentration `x` (x ≥ 0 for the logistic models).
    public func response(at x: Double) -> Double {
        switch self {
        case let .fourPL(a, b, c, d):
            return d + (a - d) / (1 + Double.pow(x / c, b))
        case let .fivePL(a, b, c, d, g):
            return d + (a - d) / Double.pow(1 + Double.pow(x / c, b), g)
        case let .linear(slope, intercept):
            return intercept + slope * x
        }
    }

    /// The concentration whose response is `y`, or nil when no finite, non-negative
    /// concentration gives `y` (at or beyond an asymptote, or a flat line).
    public func inverse(of y: Double) -> Double? {
        guard y.isFinite else { return nil }
        let x: Double
        switch self {
        case let .fourPL(a, b, c, d):
            let ratio = (a - d) / (y - d) - 1
            guard y != d, ratio > 0 else { return nil }
            x = c * Double.pow(ratio, 1 / b)
        case let .fivePL(a, b, c, d, g):
            let q = (a - d) / (y - d)
            guard y != d, q > 0 else { return nil }
            let ratio = Double.pow(q, 1 / g) - 1
            guard ratio > 0 else { return nil }
            x = c * Double.pow(ratio, 1 / b)
        case let .linear(slope, intercept):
            guard slope != 0 else { return nil }
            x = (y - intercept) / slope
        }
        return x.isFinite && x >= 0 ? x : nil
    }
}
