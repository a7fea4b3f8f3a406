import PrecisCore
import RealModule

/// Weighted nonlinear least squares by Levenberg–Marquardt with Marquardt's diagonal scaling
/// (Marquardt 1963): minimise Σ wᵢ (yᵢ − f(xᵢ; θ))². A step is accepted when it lowers the
/// sum; λ shrinks tenfold after a success and grows tenfold after a failure. The minimiser
/// stops when a step no longer lowers the sum by more than a relative 1e-15, or when no λ
/// up to 1e16 finds a lower sum (the minimum, to the precision of doubles); it then checks
/// that the gradient vanishes there, or refuses.
struct LevenbergMarquardt {
    let model: any FittableModel
    let x: [Double]
    let y: [Double]
    let sqrtW: [Double]
    var maxIterations = 1000

    struct Solution {
        var theta: [Double]
        var sumOfSquares: Double
        var jtj: [Double]
        var iterations: Int
    }

    func sumOfSquares(_ theta: [Double]) -> Double {
        var s = 0.0
        for i in x.indices {
            let r = sqrtW[i] * (y[i] - model.value(x[i], theta))
            s += r * r
        }
        return s
    }

    /// JᵀJ and Jᵀr at θ (J of the weighted model, r the weighted residuals).
    func normalEquations(_ theta: [Double]) -> (jtj: [Double], jtr: [Double]) {
        let p = model.count
        var jtj = [Double](repeating: 0, count: p * p), jtr = [Double](repeating: 0, count: p)
        var g = [Double](repeating: 0, count: p)
        for i in x.indices {
            model.gradient(x[i], theta, into: &g)
            let r = sqrtW[i] * (y[i] - model.value(x[i], theta))
            for j in 0..<p {
                let gj = sqrtW[i] * g[j]
                jtr[j] += gj * r
                for k in 0..<p { jtj[j * p + k] += gj * sqrtW[i] * g[k] }
            }
        }
        return (jtj, jtr)
    }

    func minimise(from start: [Double]) throws -> Solution {
        let p = model.count
        var theta = start
        var s = sumOfSquares(theta)
        guard s.isFinite else { throw PrecisError(.calibration, "the curve cannot be evaluated at its starting values") }
        var lambda = 1e-3
        for iteration in 1...maxIterations {
            let (jtj, jtr) = normalEquations(theta)
            var improved = false
            var trial = theta, trialS = s
            while lambda <= 1e16 {
                var m = jtj
                for j in 0..<p { m[j * p + j] += lambda * max(jtj[j * p + j], 1e-300) }
                if let delta = SmallMatrix.solve(m, jtr, n: p) {
                    trial = zip(theta, delta).map { $0 + $1 }
                    trialS = model.admissible(trial) ? sumOfSquares(trial) : .infinity
                    if trialS.isFinite && trialS < s { improved = true; break }
                }
                lambda *= 10
            }
            guard improved else { return try finish(theta, s, iteration, jtj: jtj, jtr: jtr) }
            let reduction = (s - trialS) / max(s, .leastNormalMagnitude)
            theta = trial
            s = trialS
            lambda = max(lambda / 10, 1e-15)
            if reduction < 1e-15 {
                let (jtj, jtr) = normalEquations(theta)
                return try finish(theta, s, iteration, jtj: jtj, jtr: jtr)
            }
        }
        throw PrecisError(.calibration, "the fit did not converge in \(maxIterations) iterations",
                          hint: "check the standards: the data may not follow the model")
    }

    /// Accepts θ as the minimum when the gradient is negligible against the curvature.
    private func finish(_ theta: [Double], _ s: Double, _ iterations: Int, jtj: [Double], jtr: [Double]) throws -> Solution {
        let p = model.count
        guard SmallMatrix.isWellConditioned(jtj, n: p) else {
            throw PrecisError(.calibration, "the data cannot determine every parameter of the curve",
                              hint: "add standards across the whole range, including both plateaus")
        }
        // Newton step size relative to each parameter: tiny at a true minimum.
        if let step = SmallMatrix.solve(jtj, jtr, n: p) {
            for j in 0..<p where abs(step[j]) > 1e-6 * max(abs(theta[j]), 1e-3) {
                throw PrecisError(.calibration, "the fit stopped short of a minimum (parameter \(j + 1) still moving)",
                                  hint: "check the standards: the data may not follow the model")
            }
        }
        return Solution(theta: theta, sumOfSquares: s, jtj: jtj, iterations: iterations)
    }
}
