import PrecisCore
import RealModule

/// Weighted straight-line least squares, y = intercept + slope·x, with standard errors
/// scaled by the weighted residual variance.
enum LinearFit {
    static func fit(x: [Double], y: [Double], weights w: [Double], weighting: FitWeighting) throws -> CurveFit {
        var sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for i in x.indices {
            sw += w[i]; sx += w[i] * x[i]; sy += w[i] * y[i]
            sxx += w[i] * x[i] * x[i]; sxy += w[i] * x[i] * y[i]
        }
        let det = sw * sxx - sx * sx
        guard det > 1e-12 * max(sw * sxx, 1e-300) else {
            throw PrecisError(.calibration, "all points share one concentration: no line through them")
        }
        let slope = (sw * sxy - sx * sy) / det
        let intercept = (sxx * sy - sx * sxy) / det
        var ssr = 0.0
        for i in x.indices {
            let r = y[i] - intercept - slope * x[i]
            ssr += w[i] * r * r
        }
        let dof = x.count - 2
        let variance = dof > 0 ? ssr / Double(dof) : .nan
        // (XᵀWX)⁻¹ for θ = (slope, intercept).
        let covariance = [sw / det * variance, -sx / det * variance, -sx / det * variance, sxx / det * variance]
        return CurveFit(model: .linear(slope: slope, intercept: intercept),
                        standardErrors: [Double.sqrt(max(covariance[0], 0)), Double.sqrt(max(covariance[3], 0))],
                        residualStandardError: Double.sqrt(variance), degreesOfFreedom: dof, covariance: covariance,
                        iterations: 0, weightedSumOfSquares: ssr, weighting: weighting)
    }
}
