import RealModule

/// Student's t distribution: the two-sided quantile confidence intervals need, from the
/// regularised incomplete beta function (continued fraction, Lentz's method).
enum StudentT {
    /// P(T ≤ t) for `dof` degrees of freedom.
    static func cdf(_ t: Double, dof: Double) -> Double {
        let x = dof / (dof + t * t)
        let tail = 0.5 * incompleteBeta(x, a: dof / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The t with P(T ≤ t) = `p` (0 < p < 1), by bisection on the CDF.
    static func quantile(_ p: Double, dof: Double) -> Double {
        var low = -1e3, high = 1e3
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if cdf(mid, dof: dof) < p { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// The regularised incomplete beta function I_x(a, b).
    static func incompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let lnFront = Double.logGamma(a + b) - Double.logGamma(a) - Double.logGamma(b) + a * Double.log(x) + b * Double.log(1 - x)
        if x < (a + 1) / (a + b + 2) {
            return Double.exp(lnFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - Double.exp(lnFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var h = d
        for m in 1...300 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d; d = 1 / (abs(d) < tiny ? tiny : d)
            c = 1 + even / c; c = abs(c) < tiny ? tiny : c
            h *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d; d = 1 / (abs(d) < tiny ? tiny : d)
            c = 1 + odd / c; c = abs(c) < tiny ? tiny : c
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
