/// Dense linear algebra for the few parameters a calibration curve has (p ≤ 5): symmetric
/// solves and inverses by Gauss–Jordan elimination with partial pivoting.
enum SmallMatrix {
    /// Solves `a · x = b` for a square `a` (row-major, n×n); nil when `a` is singular.
    static func solve(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        var m = a, rhs = b
        for column in 0..<n {
            var pivot = column
            for row in column + 1..<n where abs(m[row * n + column]) > abs(m[pivot * n + column]) { pivot = row }
            let scale = abs(m[pivot * n + column])
            guard scale > 1e-300, scale.isFinite else { return nil }
            if pivot != column {
                for k in 0..<n { m.swapAt(pivot * n + k, column * n + k) }
                rhs.swapAt(pivot, column)
            }
            for row in 0..<n where row != column {
                let factor = m[row * n + column] / m[column * n + column]
                guard factor != 0 else { continue }
                for k in column..<n { m[row * n + k] -= factor * m[column * n + k] }
                rhs[row] -= factor * rhs[column]
            }
        }
        return (0..<n).map { rhs[$0] / m[$0 * n + $0] }
    }

    /// The inverse of a square `a`; nil when singular.
    static func inverse(_ a: [Double], n: Int) -> [Double]? {
        var columns: [[Double]] = []
        for j in 0..<n {
            var unit = [Double](repeating: 0, count: n)
            unit[j] = 1
            guard let column = solve(a, unit, n: n) else { return nil }
            columns.append(column)
        }
        return (0..<n * n).map { columns[$0 % n][$0 / n] }
    }

    /// The reciprocal condition estimate of a symmetric positive matrix: smallest over largest
    /// diagonal after scaling (cheap; enough to tell a rank-deficient fit).
    static func isWellConditioned(_ a: [Double], n: Int) -> Bool {
        guard let inv = inverse(a, n: n) else { return false }
        for i in 0..<n {
            let product = a[i * n + i] * inv[i * n + i]
            guard product.isFinite, product < 1e14 else { return false }
        }
        return true
    }
}
