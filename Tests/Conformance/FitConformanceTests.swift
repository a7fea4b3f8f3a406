import Foundation
import PrecisCore
import PrecisSignal
import RealModule
import Testing

/// 4PL, 5PL and linear fits against scipy.optimize.curve_fit on the same data, weights and
/// starting values: parameters within a relative 1e-6 (the bound), standard errors
/// and residual standard error within 1e-5.
@Suite struct FitConformanceTests {
    struct Case: Encodable {
        let model: String
        let x: [Double]
        let y: [Double]
        let weights: [Double]?
        let start: [Double]
    }

    struct Reference: Decodable {
        let params: [Double]
        let se: [Double]
        let rse: Double
    }

    /// Deterministic noise: a linear congruential stream, Box–Muller.
    struct Noise {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u1 = Double(state >> 11) / Double(1 << 53)
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u2 = Double(state >> 11) / Double(1 << 53)
            return Double.sqrt(-2 * Double.log(max(u1, 1e-300))) * Double.cos(2 * .pi * u2)
        }
    }

    /// 8 standards in triplicate, relative noise `cv`, from `model`.
    static func standards(_ model: CalibrationModel, doses: [Double], cv: Double, seed: UInt64) -> (x: [Double], y: [Double]) {
        var noise = Noise(state: seed)
        var x: [Double] = [], y: [Double] = []
        for dose in doses {
            for _ in 0..<3 {
                x.append(dose)
                y.append(model.response(at: dose) * (1 + cv * noise.next()))
            }
        }
        return (x, y)
    }

    static let doses = [0.5, 1.5, 5, 15, 40, 100, 250, 600]

    static func cases() -> [(CalibrationFitter.Kind, FitWeighting, [Double], [Double])] {
        let crp = CalibrationModel.fourPL(a: 0.02, b: 1.3, c: 40, d: 2.5)
        let asymmetric = CalibrationModel.fivePL(a: 0.05, b: 1.8, c: 30, d: 3.0, g: 0.6)
        let line = CalibrationModel.linear(slope: 0.012, intercept: 0.03)
        let a = standards(crp, doses: doses, cv: 0.04, seed: 1)
        let b = standards(crp, doses: doses, cv: 0.08, seed: 2)
        let c = standards(asymmetric, doses: doses, cv: 0.03, seed: 3)
        let d = standards(line, doses: doses, cv: 0.05, seed: 4)
        return [
            (.fourPL, .none, a.x, a.y), (.fourPL, .inverseY2, a.x, a.y), (.fourPL, .inverseY2, b.x, b.y),
            (.fivePL, .none, c.x, c.y), (.fivePL, .inverseY2, c.x, c.y),
            (.linear, .none, d.x, d.y), (.linear, .inverseX, d.x, d.y),
        ]
    }

    @Test func fitsAgreeWithSciPy() throws {
        var inputs: [Case] = [], ours: [CurveFit] = []
        for (kind, weighting, x, y) in Self.cases() {
            let start = kind == .linear ? [0.0, 0.0] : CalibrationFitter.startingValues4PL(x: x, y: y) + (kind == .fivePL ? [1] : [])
            ours.append(try CalibrationFitter.fit(kind, x: x, y: y, weighting: weighting, start: kind == .linear ? nil : start))
            let weights: [Double]? = weighting == .none ? nil : try weighting.weightsForTest(x: x, y: y)
            inputs.append(Case(model: kind.rawValue, x: x, y: y, weights: weights, start: start))
        }
        let references = try JSONDecoder().decode([Reference].self,
                                                  from: runReference("fit_reference.py", input: JSONEncoder().encode(inputs)))
        var worstParameter = 0.0, worstError = 0.0
        for (fit, reference) in zip(ours, references) {
            let values = fit.model.parameters.map(\.value)
            for (mine, theirs) in zip(values, reference.params) {
                let relative = abs(mine - theirs) / max(abs(theirs), 1e-12)
                worstParameter = max(worstParameter, relative)
                #expect(relative < 1e-6, "\(fit.model): \(mine) vs scipy \(theirs)")
            }
            for (mine, theirs) in zip(fit.standardErrors, reference.se) {
                worstError = max(worstError, abs(mine - theirs) / theirs)
                #expect(abs(mine - theirs) / theirs < 1e-5, "SE \(mine) vs scipy \(theirs)")
            }
            #expect(abs(fit.residualStandardError - reference.rse) / reference.rse < 1e-6)
        }
        print("fit conformance: worst parameter relative difference \(worstParameter), worst SE \(worstError)")
    }
}

extension FitWeighting {
    /// The weights the fitter uses, to hand scipy the same.
    func weightsForTest(x: [Double], y: [Double]) throws -> [Double] {
        switch self {
        case .none: return Array(repeating: 1, count: x.count)
        case .inverseY2: return y.map { 1 / ($0 * $0) }
        case .inverseX: return x.map { 1 / $0 }
        case .given(let w): return w
        }
    }
}
