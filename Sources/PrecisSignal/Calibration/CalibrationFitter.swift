import PrecisCore
import RealModule

/// Fits calibration curves to standards: 4PL and 5PL by weighted Levenberg–Marquardt, straight
/// lines by weighted least squares. Bad data (fewer points than parameters, one x only, NaN)
/// and fits that do not converge give a `.calibration` error, never numbers.
public enum CalibrationFitter {
    /// Which curve to fit.
    public enum Kind: String, Sendable, CaseIterable {
        /// Four-parameter logistic.
        case fourPL = "4pl"
        /// Five-parameter logistic.
        case fivePL = "5pl"
        /// Straight line.
        case linear
    }

    /// Fits `kind` to the points, starting from `start` (θ in the model's order) or from values
    /// read off the data.
    public static func fit(_ kind: Kind, x: [Double], y: [Double], weighting: FitWeighting = .none,
                           start: [Double]? = nil) throws -> CurveFit {
        try check(x: x, y: y, parameters: kind == .linear ? 2 : (kind == .fourPL ? 4 : 5))
        let weights = try weighting.weights(x: x, y: y)
        switch kind {
        case .linear:
            return try LinearFit.fit(x: x, y: y, weights: weights, weighting: weighting)
        case .fourPL:
            let solution = try minimise(FourPLModel(), x, y, weights, start ?? startingValues4PL(x: x, y: y))
            let t = solution.theta
            return result(.fourPL(a: t[0], b: t[1], c: t[2], d: t[3]), solution, n: x.count, weighting: weighting)
        case .fivePL:
            let first = try start ?? {
                let four = try minimise(FourPLModel(), x, y, weights, startingValues4PL(x: x, y: y)).theta
                return four + [1]
            }()
            let solution = try minimise(FivePLModel(), x, y, weights, first)
            let t = solution.theta
            return result(.fivePL(a: t[0], b: t[1], c: t[2], d: t[3], g: t[4]), solution, n: x.count, weighting: weighting)
        }
    }

    /// Starting values for a 4PL read off the data: the responses at the lowest and highest
    /// dose, the dose where the response crosses their midpoint (on log dose), and a slope from
    /// the logit of the points in between.
    public static func startingValues4PL(x: [Double], y: [Double]) -> [Double] {
        let lowest = x.min() ?? 0, highest = x.max() ?? 1
        let a = mean(zip(x, y).filter { $0.0 == lowest }.map(\.1))
        let d = mean(zip(x, y).filter { $0.0 == highest }.map(\.1))
        let positive = zip(x, y).filter { $0.0 > 0 }.sorted { $0.0 < $1.0 }
        var c = positive.isEmpty ? 1 : Double.sqrt((positive.first?.0 ?? 1) * (positive.last?.0 ?? 1))
        let mid = (a + d) / 2
        for (p, q) in zip(positive, positive.dropFirst()) where (p.1 - mid) * (q.1 - mid) <= 0 && p.1 != q.1 {
            let t = (mid - p.1) / (q.1 - p.1)
            c = Double.exp(Double.log(p.0) + t * (Double.log(q.0) - Double.log(p.0)))
            break
        }
        var b = 1.0
        let logits = positive.compactMap { point -> (Double, Double)? in
            let ratio = (a - point.1) / (point.1 - d)
            return ratio > 0 && ratio.isFinite ? (Double.log(point.0), Double.log(ratio)) : nil
        }
        if logits.count >= 2, let line = try? LinearFit.fit(x: logits.map(\.0), y: logits.map(\.1),
                                                             weights: Array(repeating: 1, count: logits.count), weighting: .none),
           case let .linear(slope, _) = line.model, slope.isFinite, slope != 0 {
            b = abs(slope)
        }
        return [a, b, c, d]
    }

    static func minimise(_ model: any FittableModel, _ x: [Double], _ y: [Double], _ w: [Double],
                         _ start: [Double]) throws -> LevenbergMarquardt.Solution {
        guard start.count == model.count, model.admissible(start) else {
            throw PrecisError(.calibration, "the starting values are not admissible (c and g must be positive)")
        }
        return try LevenbergMarquardt(model: model, x: x, y: y, sqrtW: w.map { Double.sqrt($0) }).minimise(from: start)
    }

    static func result(_ model: CalibrationModel, _ s: LevenbergMarquardt.Solution, n: Int, weighting: FitWeighting) -> CurveFit {
        let p = s.theta.count, dof = n - p
        let variance = dof > 0 ? s.sumOfSquares / Double(dof) : .nan
        let covariance = (SmallMatrix.inverse(s.jtj, n: p) ?? []).map { $0 * variance }
        let errors = (0..<p).map { covariance.isEmpty ? .nan : Double.sqrt(max(covariance[$0 * p + $0], 0)) }
        return CurveFit(model: model, standardErrors: errors, residualStandardError: Double.sqrt(variance),
                        degreesOfFreedom: dof, covariance: covariance, iterations: s.iterations,
                        weightedSumOfSquares: s.sumOfSquares, weighting: weighting)
    }

    static func check(x: [Double], y: [Double], parameters: Int) throws {
        guard x.count == y.count else { throw PrecisError(.calibration, "\(x.count) concentrations but \(y.count) responses") }
        guard x.count > parameters else {
            throw PrecisError(.calibration, "\(x.count) points cannot determine \(parameters) parameters with any error left",
                              hint: "measure more standards (at least \(parameters + 1))")
        }
        guard x.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else {
            throw PrecisError(.calibration, "a concentration or response is not a number")
        }
        guard Set(x).count >= min(parameters, 3) else {
            throw PrecisError(.calibration, "the standards span only \(Set(x).count) concentration(s)",
                              hint: "measure standards at more concentrations")
        }
        guard x.allSatisfy({ $0 >= 0 }) else { throw PrecisError(.calibration, "a concentration is negative") }
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }
}
