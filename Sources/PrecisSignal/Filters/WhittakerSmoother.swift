import PrecisCore

/// The weighted Whittaker smoother with a second-difference penalty: the `z` minimising
/// Σ wᵢ(yᵢ − zᵢ)² + λ Σ (zᵢ − 2zᵢ₊₁ + zᵢ₊₂)², i.e. the solution of (W + λDᵀD) z = W y.
///
/// The matrix is symmetric pentadiagonal; it is factored as L·diag(d)·Lᵀ (L unit lower
/// triangular with two sub-diagonals) and solved in O(n) over buffers allocated once for
/// `count` samples. Weights are ≥ 0; zero weights leave gaps the smoother bridges with
/// the smoothest curve. At least two positive weights are needed (the penalty does not
/// see straight lines).
public struct WhittakerSmoother: Sendable {
    /// The number of samples the buffers are sized for.
    public let count: Int
    /// The smoothness penalty λ.
    public let lambda: Double
    /// λDᵀD: main diagonal, first and second super-diagonals.
    private var penalty0: [Double], penalty1: [Double], penalty2: [Double]
    /// The factor: pivots d and the two sub-diagonals of L.
    private var pivot: [Double], lower1: [Double], lower2: [Double]

    /// Allocates the buffers for `count` samples. Throws `.input` for fewer than 3 samples
    /// or a λ that is not a positive finite number.
    public init(count: Int, lambda: Double) throws {
        guard count >= 3 else {
            throw PrecisError(.input, "Whittaker smoothing needs at least 3 samples, got \(count)")
        }
        guard lambda.isFinite, lambda > 0 else {
            throw PrecisError(.input, "Whittaker smoothing λ must be a positive number, got \(lambda)")
        }
        self.count = count
        self.lambda = lambda
        penalty0 = [Double](repeating: 0, count: count)
        penalty1 = [Double](repeating: 0, count: count)
        penalty2 = [Double](repeating: 0, count: count)
        pivot = [Double](repeating: 0, count: count)
        lower1 = [Double](repeating: 0, count: count)
        lower2 = [Double](repeating: 0, count: count)
        // Row k of D is (1, −2, 1) at columns k, k+1, k+2: accumulate λ·DᵀD band by band.
        let row = [1.0, -2.0, 1.0]
        for k in 0..<(count - 2) {
            for a in 0..<3 {
                penalty0[k + a] += lambda * row[a] * row[a]
                if a < 2 { penalty1[k + a] += lambda * row[a] * row[a + 1] }
                if a < 1 { penalty2[k + a] += lambda * row[a] * row[a + 2] }
            }
        }
    }

    /// Solves (W + λDᵀD) z = W y into `z` (resized only if its length differs).
    /// Throws `.input` when the lengths differ from `count`, a weight is negative or not
    /// finite, or fewer than two weights are positive.
    public mutating func smooth(_ y: [Double], weights: [Double], into z: inout [Double]) throws {
        guard y.count == count, weights.count == count else {
            throw PrecisError(.input, "Whittaker smoother sized for \(count) samples was given \(y.count) samples and \(weights.count) weights")
        }
        var positive = 0
        for w in weights {
            guard w.isFinite, w >= 0 else { throw PrecisError(.input, "Whittaker weight \(w) is not a finite number ≥ 0") }
            if w > 0 { positive += 1 }
        }
        guard positive >= 2 else {
            throw PrecisError(.input, "Whittaker smoothing needs at least two positive weights, got \(positive)")
        }
        if z.count != count { z = [Double](repeating: 0, count: count) }
        factor(weights)
        substitute(y, weights: weights, into: &z)
    }

    /// L·diag(d)·Lᵀ factorisation of W + λDᵀD (no pivoting: the matrix is positive definite).
    private mutating func factor(_ weights: [Double]) {
        let n = count
        for i in 0..<n {
            var d = penalty0[i] + weights[i]
            var e = penalty1[i]
            if i >= 1 {
                d -= lower1[i - 1] * lower1[i - 1] * pivot[i - 1]
                e -= lower2[i - 1] * lower1[i - 1] * pivot[i - 1]
            }
            if i >= 2 { d -= lower2[i - 2] * lower2[i - 2] * pivot[i - 2] }
            pivot[i] = d
            lower1[i] = i < n - 1 ? e / d : 0
            lower2[i] = i < n - 2 ? penalty2[i] / d : 0
        }
    }

    /// Forward substitution with L, scaling by 1/d, back substitution with Lᵀ.
    private func substitute(_ y: [Double], weights: [Double], into z: inout [Double]) {
        let n = count
        for i in 0..<n {
            var u = weights[i] * y[i]
            if i >= 1 { u -= lower1[i - 1] * z[i - 1] }
            if i >= 2 { u -= lower2[i - 2] * z[i - 2] }
            z[i] = u
        }
        for i in 0..<n { z[i] /= pivot[i] }
        for i in stride(from: n - 1, through: 0, by: -1) {
            if i + 1 < n { z[i] -= lower1[i] * z[i + 1] }
            if i + 2 < n { z[i] -= lower2[i] * z[i + 2] }
        }
    }
}
