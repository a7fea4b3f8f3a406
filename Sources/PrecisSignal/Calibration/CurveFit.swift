import PrecisCore
import RealModule

/// How the points of a calibration are weighted in the fit.
public enum FitWeighting: Sendable, Equatable {
    /// All points alike.
    case none
    /// 1/y²: constant relative error.
    case inverseY2
    /// 1/x.
    case inverseX
    /// Given per point (1/σ² from replicate SDs, or anything else).
    case given([Double])

    /// The weights for `x`, `y`.
    func weights(x: [Double], y: [Double]) throws -> [Double] {
        let w: [Double]
        switch self {
        case .none: w = Array(repeating: 1, count: x.count)
        case .inverseY2: w = y.map { 1 / ($0 * $0) }
        case .inverseX: w = x.map { 1 / $0 }
        case .given(let given):
            guard given.count == x.count else {
                throw PrecisError(.calibration, "\(given.count) weights for \(x.count) points")
            }
            w = given
        }
        guard w.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw PrecisError(.calibration, "every weight must be a positive finite number (a zero y with 1/y², a zero x with 1/x?)")
        }
        return w
    }
}

/// A fitted calibration curve: the model, each parameter's standard error, the residual
/// standard error and what is needed to predict with confidence intervals.
public struct CurveFit: Sendable, Equatable {
    /// The fitted curve.
    public var model: CalibrationModel
    /// Standard errors, in the order of `model.parameters` (scaled as scipy's curve_fit with
    /// `absolute_sigma=False`: by the weighted residual variance).
    public var standardErrors: [Double]
    /// √(Σ wᵢ rᵢ² / (n − p)).
    public var residualStandardError: Double
    /// n − p.
    public var degreesOfFreedom: Int
    /// The parameter covariance (row-major, p × p), same scaling.
    public var covariance: [Double]
    /// Iterations the minimiser took (0 for a linear fit).
    public var iterations: Int
    /// Σ wᵢ rᵢ².
    public var weightedSumOfSquares: Double
    /// The weighting used.
    public var weighting: FitWeighting
}

/// A model the minimiser can fit: values and derivatives of f(x; θ).
protocol FittableModel {
    /// Parameter count.
    var count: Int { get }
    /// f(x; θ).
    func value(_ x: Double, _ theta: [Double]) -> Double
    /// ∂f/∂θ at x, written into `gradient`.
    func gradient(_ x: Double, _ theta: [Double], into gradient: inout [Double])
    /// Whether θ is allowed (c > 0, g > 0).
    func admissible(_ theta: [Double]) -> Bool
}
