import PrecisCore

/// Savitzky–Golay smoothing: each output is the value at that sample of the polynomial
/// of degree `order` fitted by least squares to the `window` samples around it.
///
/// The edges are handled as `scipy.signal.savgol_filter(x, window, order, mode='interp')`
/// does: the first and last `window / 2` outputs are the polynomial fitted to the first
/// (last) `window` samples, evaluated at those samples. Samples are taken as equally spaced.
///
/// All the coefficients are computed once, in `init`; `filter(_:into:)` allocates nothing
/// when the output buffer already has the input's length.
public struct SavitzkyGolay: Sendable, Equatable {
    /// Window length in samples (odd).
    public let window: Int
    /// Polynomial order, less than `window`.
    public let order: Int
    /// `window × window` row-major: `weights[j * window + k]` is the weight of sample `k`
    /// of a window in the fitted value at sample `j` of that window (the hat matrix).
    private let weights: [Double]

    /// Precomputes the coefficients; throws `.input` for an even or non-positive window,
    /// a negative order, or an order not below the window.
    public init(window: Int, order: Int) throws {
        guard window >= 1, window % 2 == 1 else {
            throw PrecisError(.input, "Savitzky–Golay window must be a positive odd number of samples, got \(window)",
                              hint: "use an odd window such as 11")
        }
        guard order >= 0, order < window else {
            throw PrecisError(.input, "Savitzky–Golay order must be between 0 and window − 1 (\(window - 1)), got \(order)")
        }
        self.window = window
        self.order = order
        self.weights = Self.hatMatrix(window: window, order: order)
    }

    /// The convolution coefficients applied away from the edges (centre row of the hat matrix).
    public var coefficients: [Double] {
        let half = window / 2
        return Array(weights[(half * window)..<((half + 1) * window)])
    }

    /// Smooths `input` into `output`, which is resized to `input.count` only if it differs.
    /// Throws `.input` when `input` has fewer samples than the window.
    public func filter(_ input: [Double], into output: inout [Double]) throws {
        let n = input.count
        guard n >= window else {
            throw PrecisError(.input, "Savitzky–Golay window of \(window) samples is longer than the \(n)-sample signal")
        }
        if output.count != n { output = [Double](repeating: 0, count: n) }
        let half = window / 2
        input.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    for j in 0..<half {
                        y[j] = Self.dot(w, row: j, window: window, x, from: 0)
                        y[n - half + j] = Self.dot(w, row: half + 1 + j, window: window, x, from: n - window)
                    }
                    for i in half..<(n - half) {
                        y[i] = Self.dot(w, row: half, window: window, x, from: i - half)
                    }
                }
            }
        }
    }

    /// Returns `input` smoothed (allocates the result).
    public func filtered(_ input: [Double]) throws -> [Double] {
        var output: [Double] = []
        try filter(input, into: &output)
        return output
    }

    /// Row `row` of the hat matrix dotted with `window` samples of `x` starting at `from`.
    @inline(__always)
    private static func dot(_ w: UnsafeBufferPointer<Double>, row: Int, window: Int,
                            _ x: UnsafeBufferPointer<Double>, from start: Int) -> Double {
        var sum = 0.0
        let base = row * window
        for k in 0..<window { sum += w[base + k] * x[start + k] }
        return sum
    }

    /// The least-squares projection onto polynomials of degree ≤ `order` over `window`
    /// equally spaced samples: Q·Qᵀ with Q an orthonormal basis of that space, built by
    /// Gram–Schmidt (done twice for accuracy) on monomials of a centred, scaled abscissa.
    static func hatMatrix(window: Int, order: Int) -> [Double] {
        let half = window / 2
        let scale = Double(max(half, 1))
        let t = (0..<window).map { Double($0 - half) / scale }
        var basis: [[Double]] = []
        for degree in 0...order {
            var v = t.map { power($0, degree) }
            for _ in 0..<2 {
                for q in basis {
                    let projection = zip(q, v).reduce(0) { $0 + $1.0 * $1.1 }
                    for k in 0..<window { v[k] -= projection * q[k] }
                }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            basis.append(v.map { $0 / norm })
        }
        var hat = [Double](repeating: 0, count: window * window)
        for j in 0..<window {
            for k in 0..<window {
                hat[j * window + k] = basis.reduce(0) { $0 + $1[j] * $1[k] }
            }
        }
        return hat
    }

    /// `x` to the non-negative integer power `n` (exact products, no pow()).
    private static func power(_ x: Double, _ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<n { result *= x }
        return result
    }
}
