import PrecisCore
import RealModule

/// A concentration read off a fitted curve, with its approximate confidence interval.
public struct InversePrediction: Sendable, Equatable, Codable {
    /// The concentration.
    public var concentration: Double
    /// Its standard error.
    public var standardError: Double
    /// The interval's lower end (not below 0).
    public var lower: Double
    /// The interval's upper end.
    public var upper: Double
    /// The interval's confidence level, e.g. 0.95.
    public var level: Double
}

extension CurveFit {
    /// The concentration whose response is the mean of `replicates` measurements equal to
    /// `response`, with a `level` confidence interval by the delta method:
    ///
    ///     Var(x̂) ≈ ∇θ x̂ᵀ · Σθ · ∇θ x̂ + (∂x̂/∂y)² · s² / (w(y) · m)
    ///
    /// with Σθ the parameter covariance, s the residual standard error, m the replicates and
    /// w(y) the fit's weight at that response (1 unweighted, 1/y² for `.inverseY2`; for other
    /// weightings the mean weight of the standards). The interval is x̂ ± t(level, n − p)·SE.
    ///
    /// Refuses (`.calibration` error) a response whose concentration lies outside `range`
    /// or off the curve: extrapolation is never a number.
    public func predict(response: Double, replicates: Int = 1, within range: ValueRange,
                        level: Double = 0.95) throws -> InversePrediction {
        guard let x = model.inverse(of: response) else {
            throw PrecisError(.calibration, "the response \(response) lies beyond the curve's asymptotes: no concentration")
        }
        guard range.contains(x) else {
            throw PrecisError(.calibration, "the response \(response) gives \(x), outside the measuring range "
                              + "\(range.low)–\(range.high): not reported", hint: "dilute (above) or report as below the range")
        }
        let gradient = parameterGradient(response: response)
        let p = gradient.count
        var parameterVariance = 0.0
        for i in 0..<p { for j in 0..<p { parameterVariance += gradient[i] * covariance[i * p + j] * gradient[j] } }
        let dxdy = responseDerivative(at: x)
        let s2 = residualStandardError * residualStandardError
        let weight: Double
        switch weighting {
        case .none: weight = 1
        case .inverseY2: weight = 1 / (response * response)
        case .inverseX: weight = 1 / max(x, .leastNormalMagnitude)
        case .given(let w): weight = w.reduce(0, +) / Double(max(w.count, 1))
        }
        let responseVariance = dxdy * dxdy * s2 / (weight * Double(max(replicates, 1)))
        let se = Double.sqrt(max(parameterVariance + responseVariance, 0))
        let t = StudentT.quantile(0.5 + level / 2, dof: Double(max(degreesOfFreedom, 1)))
        return InversePrediction(concentration: x, standardError: se, lower: max(0, x - t * se), upper: x + t * se, level: level)
    }

    /// ∂x̂/∂θ by central differences on the inverse.
    func parameterGradient(response: Double) -> [Double] {
        let values = model.parameters.map(\.value)
        return values.indices.map { j in
            let h = 1e-6 * max(abs(values[j]), 1e-6)
            var up = values, down = values
            up[j] += h
            down[j] -= h
            guard let xu = CalibrationModel(kind: model, values: up).inverse(of: response),
                  let xd = CalibrationModel(kind: model, values: down).inverse(of: response) else { return 0 }
            return (xu - xd) / (2 * h)
        }
    }

    /// dx/dy = 1 / (dy/dx) at x, by central differences on the curve.
    func responseDerivative(at x: Double) -> Double {
        let h = 1e-6 * max(abs(x), 1e-6)
        let slope = (model.response(at: x + h) - model.response(at: max(x - h, 0))) / (x + h - max(x - h, 0))
        return slope == 0 ? .infinity : 1 / slope
    }
}

extension CalibrationModel {
    /// A model of the same kind as `kind` with parameters `values` (in `parameters` order).
    init(kind: CalibrationModel, values v: [Double]) {
        switch kind {
        case .fourPL: self = .fourPL(a: v[0], b: v[1], c: v[2], d: v[3])
        case .fivePL: self = .fivePL(a: v[0], b: v[1], c: v[2], d: v[3], g: v[4])
        case .linear: self = .linear(slope: v[0], intercept: v[1])
        }
    }
}
