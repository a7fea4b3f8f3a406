import PrecisCore

/// The asymmetric least squares baseline of Eilers & Boelens (2005): a Whittaker smoother
/// (second-difference penalty λ) refitted with weight `p` on the samples above the
/// previous baseline and `1 − p` on the others, so that positive peaks are left above it.
///
/// The loop is the one of pybaselines' `Baseline.asls` / `pybaselines.whittaker.asls`
/// (1.2), so the two agree given the same `lam`, `p`, `max_iter = iterations` and `tol`:
/// - start from unit weights;
/// - solve (W + λDᵀD) z = W y;
/// - new weights: `p` where y > z strictly, `1 − p` elsewhere;
/// - stop when ‖w_new − w‖₂ / max(‖w‖₂, ε) < `tolerance` (keeping z, the solve with the old
///   weights), else take the new weights and solve again; at most `iterations + 1` solves.
///
/// Buffers are allocated once for `count` samples; a fit allocates nothing more when
/// the output buffer already has that length.
public struct AsymmetricLeastSquares: Sendable {
    /// The smoothness penalty λ.
    public var lambda: Double { smoother.lambda }
    /// The weight of samples above the baseline (those below get 1 − p).
    public let p: Double
    /// The maximum number of reweightings (pybaselines' `max_iter`).
    public let iterations: Int
    /// The relative change of the weights under which the fit stops (pybaselines' `tol`).
    public let tolerance: Double
    /// The number of samples the buffers are sized for.
    public var count: Int { smoother.count }

    private var smoother: WhittakerSmoother
    private var weights: [Double]
    private var newWeights: [Double]

    /// What a fit did, to compare with pybaselines' `params['tol_history']`.
    public struct Report: Sendable, Equatable {
        /// Linear solves done (the length of pybaselines' `tol_history`).
        public var solves: Int
        /// The last relative change of the weights.
        public var lastChange: Double
        /// Whether the change fell under the tolerance before the iterations ran out.
        public var converged: Bool
    }

    /// Allocates the buffers. Throws `.input` for fewer than 3 samples, λ not positive,
    /// p outside (0, 1), negative iterations or a negative tolerance.
    public init(count: Int, lambda: Double, p: Double, iterations: Int, tolerance: Double = 1e-3) throws {
        guard p > 0, p < 1 else {
            throw PrecisError(.input, "asymmetric least squares p must lie strictly between 0 and 1, got \(p)")
        }
        guard iterations >= 0 else {
            throw PrecisError(.input, "asymmetric least squares iterations must be ≥ 0, got \(iterations)")
        }
        guard tolerance.isFinite, tolerance >= 0 else {
            throw PrecisError(.input, "asymmetric least squares tolerance must be ≥ 0, got \(tolerance)")
        }
        smoother = try WhittakerSmoother(count: count, lambda: lambda)
        self.p = p
        self.iterations = iterations
        self.tolerance = tolerance
        weights = [Double](repeating: 1, count: count)
        newWeights = [Double](repeating: 1, count: count)
    }

    /// Fits the baseline under `y` into `baseline` (resized only if its length differs).
    /// Throws `.input` when `y` is not `count` samples long or holds a non-finite value.
    @discardableResult
    public mutating func fit(_ y: [Double], into baseline: inout [Double]) throws -> Report {
        guard y.count == count else {
            throw PrecisError(.input, "asymmetric least squares sized for \(count) samples was given \(y.count)")
        }
        guard y.allSatisfy(\.isFinite) else {
            throw PrecisError(.input, "asymmetric least squares was given a non-finite sample")
        }
        for i in 0..<count { weights[i] = 1 }
        var change = 0.0
        for solve in 1...(iterations + 1) {
            try smoother.smooth(y, weights: weights, into: &baseline)
            change = reweight(y, baseline)
            if change < tolerance { return Report(solves: solve, lastChange: change, converged: true) }
            swap(&weights, &newWeights)
        }
        return Report(solves: iterations + 1, lastChange: change, converged: false)
    }

    /// Writes the asymmetric weights into `newWeights` and returns ‖new − old‖₂ / ‖old‖₂.
    private mutating func reweight(_ y: [Double], _ z: [Double]) -> Double {
        var difference = 0.0, norm = 0.0
        for i in 0..<count {
            let w = y[i] > z[i] ? p : 1 - p
            newWeights[i] = w
            difference += (w - weights[i]) * (w - weights[i])
            norm += weights[i] * weights[i]
        }
        return difference.squareRoot() / max(norm.squareRoot(), Double.ulpOfOne)
    }
}
