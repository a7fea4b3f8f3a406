import PrecisCore
@testable import PrecisSignal
import RealModule
import Testing

@Suite struct FitTests {
    static let crp = CalibrationModel.fourPL(a: 0.02, b: 1.3, c: 40, d: 2.5)
    static let doses = [0.5, 1.5, 5, 15, 40, 100, 250, 600]

    @Test func exactDataGivesBackTheCurve() throws {
        let y = Self.doses.map { Self.crp.response(at: $0) }
        let fit = try CalibrationFitter.fit(.fourPL, x: Self.doses, y: y)
        for (mine, truth) in zip(fit.model.parameters.map(\.value), Self.crp.parameters.map(\.value)) {
            #expect(abs(mine - truth) / abs(truth) < 1e-8)
        }
        #expect(fit.residualStandardError < 1e-8)
        #expect(fit.degreesOfFreedom == 4)
        let line = try CalibrationFitter.fit(.linear, x: [1, 2, 3, 4], y: [3, 5, 7, 9])
        #expect(line.model == .linear(slope: 2, intercept: 1))
    }

    @Test func fivePLRecoversAnAsymmetricCurve() throws {
        let truth = CalibrationModel.fivePL(a: 0.05, b: 1.8, c: 30, d: 3.0, g: 0.6)
        let fit = try CalibrationFitter.fit(.fivePL, x: Self.doses, y: Self.doses.map { truth.response(at: $0) })
        for (mine, expected) in zip(fit.model.parameters.map(\.value), truth.parameters.map(\.value)) {
            #expect(abs(mine - expected) / abs(expected) < 1e-6)
        }
    }

    @Test func badDataGivesAClearErrorNeverNumbers() {
        func refused(_ kind: CalibrationFitter.Kind, _ x: [Double], _ y: [Double], _ text: String) {
            #expect { try CalibrationFitter.fit(kind, x: x, y: y) } throws: { error in
                let e = error as? PrecisError
                return e?.kind == .calibration && e?.message.contains(text) == true
            }
        }
        refused(.fourPL, [1, 2, 3, 4], [0.1, 0.2, 0.3, 0.4], "4 points cannot determine 4 parameters")
        refused(.fourPL, Array(repeating: 5, count: 8), (0..<8).map { Double($0) }, "span only 1 concentration")
        refused(.linear, [1, 2, .nan], [1, 2, 3], "not a number")
        refused(.fourPL, Self.doses, Array(repeating: 1.0, count: 8), "cannot determine every parameter")
        refused(.fourPL, [1, 2, -3, 4, 5, 6], [1, 2, 3, 4, 5, 6], "negative")
        #expect(throws: PrecisError.self) { try CalibrationFitter.fit(.fourPL, x: Self.doses, y: Self.doses.map { _ in 1 },
                                                                       weighting: .given([1, 2])) }
    }

    @Test func aCurveThatWillNotFitIsRefused() {
        // A zig-zag no logistic follows: the fit must stop with an error, not a curve.
        let y = [0.1, 2.4, 0.1, 2.4, 0.1, 2.4, 0.1, 2.4]
        #expect { try CalibrationFitter.fit(.fivePL, x: Self.doses, y: y) } throws: { ($0 as? PrecisError)?.kind == .calibration }
    }

    @Test func studentTQuantilesMatchTheTables() {
        #expect(abs(StudentT.quantile(0.975, dof: 1) - 12.706_204_736) < 1e-6)
        #expect(abs(StudentT.quantile(0.975, dof: 10) - 2.228_138_852) < 1e-8)
        #expect(abs(StudentT.quantile(0.975, dof: 20) - 2.085_963_447) < 1e-8)
        #expect(abs(StudentT.quantile(0.995, dof: 5) - 4.032_142_984) < 1e-8)
    }

    @Test func predictionRefusesToExtrapolate() throws {
        let fit = try CalibrationFitter.fit(.fourPL, x: Self.doses, y: Self.doses.map { Self.crp.response(at: $0) })
        let range = ValueRange(low: 5, high: 200)
        let inside = try fit.predict(response: Self.crp.response(at: 12), within: range)
        #expect(abs(inside.concentration - 12) < 1e-6)
        #expect(inside.lower <= 12 && 12 <= inside.upper)
        #expect { try fit.predict(response: Self.crp.response(at: 400), within: range) } throws: {
            ($0 as? PrecisError)?.message.contains("outside the measuring range") == true
        }
        #expect { try fit.predict(response: 2.7, within: range) } throws: {
            ($0 as? PrecisError)?.message.contains("beyond the curve's asymptotes") == true
        }
    }

    /// The 95 % interval covers the true concentration in about 95 % of simulated calibrations.
    @Test func confidenceIntervalsCoverAsPromised() throws {
        var state: UInt64 = 99
        func gaussian() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u1 = Double(state >> 11) / Double(1 << 53)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u2 = Double(state >> 11) / Double(1 << 53)
            return Double.sqrt(-2 * Double.log(max(u1, 1e-300))) * Double.cos(2 * .pi * u2)
        }
        var covered = 0, trials = 0
        for _ in 0..<300 {
            var x: [Double] = [], y: [Double] = []
            for dose in Self.doses { for _ in 0..<3 { x.append(dose); y.append(Self.crp.response(at: dose) + 0.02 * gaussian()) } }
            guard let fit = try? CalibrationFitter.fit(.fourPL, x: x, y: y) else { continue }
            let measured = Self.crp.response(at: 20) + 0.02 * gaussian()
            guard let p = try? fit.predict(response: measured, within: ValueRange(low: 1, high: 500)) else { continue }
            trials += 1
            if p.lower <= 20 && 20 <= p.upper { covered += 1 }
        }
        let coverage = Double(covered) / Double(trials)
        #expect(trials > 280)
        #expect(coverage > 0.90 && coverage < 0.99, "coverage \(coverage)")
    }
}
