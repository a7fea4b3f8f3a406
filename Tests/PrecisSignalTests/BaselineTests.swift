import PrecisCore
import PrecisReplay
import Testing
@testable import PrecisSignal

@Suite struct WhittakerSmootherTests {
    /// The banded solver against a dense Gaussian elimination of (W + λDᵀD) z = W y.
    @Test(arguments: [3, 4, 5, 12, 40])
    func bandedSolveMatchesDenseSolve(count n: Int) throws {
        var random = SplitMix64(seed: UInt64(n))
        let y = (0..<n).map { _ in random.nextGaussian() }
        let w = (0..<n).map { _ in random.nextUnit() }
        let lambda = 37.5
        var smoother = try WhittakerSmoother(count: n, lambda: lambda)
        var z: [Double] = []
        try smoother.smooth(y, weights: w, into: &z)
        let dense = denseSolve(y: y, w: w, lambda: lambda)
        for (a, b) in zip(z, dense) { #expect(abs(a - b) < 1e-10 * max(1, abs(b))) }
    }

    /// Straight lines are not penalised: any positive weights give the line back.
    @Test func straightLinesPassUnchanged() throws {
        let n = 101
        let y = (0..<n).map { 0.3 - 0.002 * Double($0) }
        var random = SplitMix64(seed: 9)
        let w = (0..<n).map { _ in random.nextUnit() }
        var smoother = try WhittakerSmoother(count: n, lambda: 1e7)
        var z: [Double] = []
        try smoother.smooth(y, weights: w, into: &z)
        for (a, b) in zip(z, y) { #expect(abs(a - b) < 1e-9) }
    }

    /// Zero weights leave a gap the smoother bridges: a line with garbage in the gap comes back as the line.
    @Test func zeroWeightsAreIgnored() throws {
        let n = 60
        var y = (0..<n).map { 1 + 0.01 * Double($0) }
        var w = [Double](repeating: 1, count: n)
        for i in 20..<35 { y[i] = 50; w[i] = 0 }
        var smoother = try WhittakerSmoother(count: n, lambda: 1e3)
        var z: [Double] = []
        try smoother.smooth(y, weights: w, into: &z)
        for i in 0..<n { #expect(abs(z[i] - (1 + 0.01 * Double(i))) < 1e-9) }
    }

    @Test func badInputsAreErrors() throws {
        #expect(throws: PrecisError.self) { try WhittakerSmoother(count: 2, lambda: 1) }
        #expect(throws: PrecisError.self) { try WhittakerSmoother(count: 10, lambda: 0) }
        #expect(throws: PrecisError.self) { try WhittakerSmoother(count: 10, lambda: .nan) }
        var smoother = try WhittakerSmoother(count: 5, lambda: 1)
        var z: [Double] = []
        #expect(throws: PrecisError.self) { try smoother.smooth([1, 2, 3], weights: [1, 1, 1], into: &z) }
        #expect(throws: PrecisError.self) { try smoother.smooth([1, 2, 3, 4, 5], weights: [1, 0, 0, 0, 0], into: &z) }
        #expect(throws: PrecisError.self) { try smoother.smooth([1, 2, 3, 4, 5], weights: [1, -1, 1, 1, 1], into: &z) }
    }

    /// Gaussian elimination with partial pivoting on the dense matrix.
    private func denseSolve(y: [Double], w: [Double], lambda: Double) -> [Double] {
        let n = y.count
        var a = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
        for i in 0..<n { a[i][i] = w[i]; a[i][n] = w[i] * y[i] }
        for k in 0..<(n - 2) {
            let d = [1.0, -2, 1]
            for r in 0..<3 { for c in 0..<3 { a[k + r][k + c] += lambda * d[r] * d[c] } }
        }
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, pivot)
            for row in (col + 1)..<n {
                let f = a[row][col] / a[col][col]
                for c in col...n { a[row][c] -= f * a[col][c] }
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            let s = ((row + 1)..<n).reduce(a[row][n]) { $0 - a[row][$1] * x[$1] }
            x[row] = s / a[row][row]
        }
        return x
    }
}

@Suite struct AsymmetricLeastSquaresTests {
    /// Peaks on a straight line: the baseline stays under the peaks, close to the line.
    @Test func baselineStaysUnderPositivePeaks() throws {
        let strip = SyntheticStrip(lines: [.init(centreMM: 8, sigmaMM: 0.4, area: 0.3),
                                           .init(centreMM: 16, sigmaMM: 0.4, area: 0.5)],
                                   background: .init(offset: 0.1, slope: 0.002), noiseSD: 0, seed: 1)
        let y = strip.absorbance()
        var als = try AsymmetricLeastSquares(count: y.count, lambda: 1e5, p: 0.001, iterations: 30)
        var z: [Double] = []
        let report = try als.fit(y, into: &z)
        #expect(report.converged)
        let line = strip.positionsUM.map { strip.background.absorbance(at: Double($0) / 1000) }
        let worst = zip(z, line).map { abs($0 - $1) }.max()!
        #expect(worst < 0.005)  // under peaks 0.3 and 0.5 absorbance high
        for centreIndex in [160, 320] { #expect(abs(z[centreIndex] - line[centreIndex]) < 0.002) }
        #expect(zip(y, z).allSatisfy { $0 >= $1 - 1e-3 })
    }

    /// A straight line is its own baseline (no penalty, every weight equal after the first fit).
    @Test func straightLineIsItsOwnBaseline() throws {
        let y = (0..<200).map { 0.05 + 1e-3 * Double($0) }
        var als = try AsymmetricLeastSquares(count: 200, lambda: 1e6, p: 0.01, iterations: 10)
        var z: [Double] = []
        try als.fit(y, into: &z)
        // λ = 1e6 makes the system ill-conditioned (‖A‖·‖A⁻¹‖ ≈ 16λ): a few 1e-9 of rounding.
        #expect(zip(z, y).map { abs($0 - $1) }.max()! < 1e-8)
    }

    /// Zero reweightings is one plain Whittaker solve with unit weights.
    @Test func zeroIterationsIsOneUnitWeightSolve() throws {
        var random = SplitMix64(seed: 3)
        let y = (0..<50).map { _ in random.nextGaussian() }
        var als = try AsymmetricLeastSquares(count: 50, lambda: 100, p: 0.05, iterations: 0)
        var z: [Double] = []
        let report = try als.fit(y, into: &z)
        #expect(report.solves == 1)
        var smoother = try WhittakerSmoother(count: 50, lambda: 100)
        var plain: [Double] = []
        try smoother.smooth(y, weights: [Double](repeating: 1, count: 50), into: &plain)
        #expect(z == plain)
    }

    /// The iteration cap is honoured, and a second fit of the same data gives the same result.
    @Test func iterationsAreCappedAndFitsRepeat() throws {
        var random = SplitMix64(seed: 5)
        let y = (0..<300).map { _ in random.nextGaussian() }
        var als = try AsymmetricLeastSquares(count: 300, lambda: 1e4, p: 0.01, iterations: 2, tolerance: 0)
        var first: [Double] = [], second: [Double] = []
        let report = try als.fit(y, into: &first)
        #expect(report.solves == 3)
        #expect(!report.converged)
        try als.fit(y, into: &second)
        #expect(first == second)
    }

    @Test func badParametersAreInputErrors() throws {
        #expect(throws: PrecisError.self) { try AsymmetricLeastSquares(count: 10, lambda: 1e5, p: 0, iterations: 5) }
        #expect(throws: PrecisError.self) { try AsymmetricLeastSquares(count: 10, lambda: 1e5, p: 1, iterations: 5) }
        #expect(throws: PrecisError.self) { try AsymmetricLeastSquares(count: 10, lambda: -1, p: 0.01, iterations: 5) }
        #expect(throws: PrecisError.self) { try AsymmetricLeastSquares(count: 10, lambda: 1e5, p: 0.01, iterations: -1) }
        var als = try AsymmetricLeastSquares(count: 10, lambda: 1e5, p: 0.01, iterations: 5)
        var z: [Double] = []
        #expect(throws: PrecisError.self) { try als.fit([1, 2, 3], into: &z) }
        #expect(throws: PrecisError.self) { try als.fit([Double](repeating: .nan, count: 10), into: &z) }
    }
}
