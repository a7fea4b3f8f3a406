import PrecisCore
import PrecisReplay
import Testing
@testable import PrecisSignal

@Suite struct SavitzkyGolayTests {
    /// The textbook coefficients (Savitzky & Golay 1964, quadratic/cubic).
    @Test func centreCoefficientsMatchTheTables() throws {
        let five = try SavitzkyGolay(window: 5, order: 2).coefficients.map { $0 * 35 }
        let seven = try SavitzkyGolay(window: 7, order: 3).coefficients.map { $0 * 21 }
        for (got, want) in zip(five, [-3.0, 12, 17, 12, -3]) { #expect(abs(got - want) < 1e-12) }
        for (got, want) in zip(seven, [-2.0, 3, 6, 7, 6, 3, -2]) { #expect(abs(got - want) < 1e-12) }
        let mean = try SavitzkyGolay(window: 5, order: 0).coefficients
        #expect(mean.allSatisfy { abs($0 - 0.2) < 1e-15 })
    }

    /// Window 5, order 2 on a short signal worked by hand: interior rows (−3 12 17 12 −3)/35,
    /// first output (31 9 −3 −5 3)/35, last (3 −5 −3 9 31)/35 (the quadratic through the
    /// first/last five samples, evaluated at the end sample).
    @Test func smallCaseByHand() throws {
        let x: [Double] = [2, 4, 3, 8, 5, 1, 0]
        let y = try SavitzkyGolay(window: 5, order: 2).filtered(x)
        func row(_ w: [Double], _ s: ArraySlice<Double>) -> Double { zip(w, s).reduce(0) { $0 + $1.0 * $1.1 } / 35 }
        let expected: [Double] = [
            row([31, 9, -3, -5, 3], x[0..<5]), row([9, 13, 12, 6, -5], x[0..<5]),
            row([-3, 12, 17, 12, -3], x[0..<5]), row([-3, 12, 17, 12, -3], x[1..<6]),
            row([-3, 12, 17, 12, -3], x[2..<7]), row([-5, 6, 12, 13, 9], x[2..<7]),
            row([3, -5, -3, 9, 31], x[2..<7]),
        ]
        #expect(y.count == x.count)
        for (got, want) in zip(y, expected) { #expect(abs(got - want) < 1e-12) }
        // The same sums worked out: 35·y = 64 129 174 217 184 106 −37.
        for (got, want) in zip(y, [64.0, 129, 174, 217, 184, 106, -37]) { #expect(abs(got * 35 - want) < 1e-11) }
    }

    /// A polynomial of degree ≤ order passes unchanged, edges included.
    @Test(arguments: [(5, 2), (7, 3), (11, 2), (11, 4), (15, 5), (21, 3), (3, 2)])
    func polynomialsPassUnchanged(window: Int, order: Int) throws {
        let filter = try SavitzkyGolay(window: window, order: order)
        var random = SplitMix64(seed: UInt64(window * 100 + order))
        let coefficients = (0...order).map { _ in random.nextGaussian() }
        let x = (0..<60).map { i -> Double in
            let t = Double(i) / 10 - 3
            return coefficients.reversed().reduce(0) { $0 * t + $1 }
        }
        let y = try filter.filtered(x)
        let worst = zip(x, y).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-9)
    }

    /// Every output is a weighted mean: a constant stays that constant.
    @Test func constantsStayConstant() throws {
        let y = try SavitzkyGolay(window: 9, order: 4).filtered([Double](repeating: 0.125, count: 30))
        #expect(y.allSatisfy { abs($0 - 0.125) < 1e-14 })
    }

    /// A window as long as the signal: every output comes from the one fitted polynomial.
    @Test func windowAsLongAsTheSignal() throws {
        let x: [Double] = [1, 0, 2, 5, 3]
        let y = try SavitzkyGolay(window: 5, order: 1).filtered(x)
        // The least-squares line through (−2,1) (−1,0) (0,2) (1,5) (2,3): 2.2 + 0.9 t.
        for (i, value) in y.enumerated() { #expect(abs(value - (2.2 + 0.9 * Double(i - 2))) < 1e-12) }
    }

    /// Filtering into a buffer of the right size reuses it and gives the same numbers.
    @Test func filtersIntoACallersBuffer() throws {
        let filter = try SavitzkyGolay(window: 11, order: 2)
        let x = (0..<200).map { Double(($0 * 37) % 23) }
        var buffer = [Double](repeating: .nan, count: 200)
        try filter.filter(x, into: &buffer)
        #expect(buffer == (try filter.filtered(x)))
        var small: [Double] = []
        try filter.filter(x, into: &small)
        #expect(small.count == 200)
    }

    @Test func badParametersAreInputErrors() {
        for (window, order) in [(10, 2), (0, 0), (-3, 1), (5, 5), (5, 7), (7, -1)] {
            #expect(throws: PrecisError.self) { try SavitzkyGolay(window: window, order: order) }
            do {
                _ = try SavitzkyGolay(window: window, order: order)
            } catch let error as PrecisError {
                #expect(error.kind == .input)
            } catch { Issue.record("unexpected \(error)") }
        }
    }

    @Test func signalShorterThanTheWindowIsAnInputError() throws {
        let filter = try SavitzkyGolay(window: 11, order: 2)
        #expect(throws: PrecisError.self) { try filter.filtered([1, 2, 3]) }
        #expect(throws: PrecisError.self) { try filter.filtered([]) }
    }
}
