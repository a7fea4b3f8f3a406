import PrecisCore
import RealModule

/// 4PL f = d + (a − d)/(1 + (x/c)^b), θ = (a, b, c, d).
struct FourPLModel: FittableModel {
    let count = 4
    func value(_ x: Double, _ t: [Double]) -> Double {
        t[3] + (t[0] - t[3]) / (1 + Double.pow(x / t[2], t[1]))
    }
    func gradient(_ x: Double, _ t: [Double], into g: inout [Double]) {
        let (a, b, c, d) = (t[0], t[1], t[2], t[3])
        let u = x > 0 ? Double.pow(x / c, b) : 0
        let denominator = 1 + u
        g[0] = 1 / denominator
        g[3] = 1 - 1 / denominator
        let common = (a - d) * u / (denominator * denominator)
        g[1] = x > 0 ? -common * Double.log(x / c) : 0
        g[2] = common * b / c
    }
    func admissible(_ t: [Double]) -> Bool { t[2] > 0 && t.allSatisfy(\.isFinite) }
}

/// 5PL f = d + (a − d)/(1 + (x/c)^b)^g, θ = (a, b, c, d, g).
struct FivePLModel: FittableModel {
    let count = 5
    func value(_ x: Double, _ t: [Double]) -> Double {
        t[3] + (t[0] - t[3]) / Double.pow(1 + Double.pow(x / t[2], t[1]), t[4])
    }
    func gradient(_ x: Double, _ t: [Double], into g: inout [Double]) {
        let (a, b, c, d, s) = (t[0], t[1], t[2], t[3], t[4])
        let u = x > 0 ? Double.pow(x / c, b) : 0
        let denominator = 1 + u
        let power = Double.pow(denominator, -s)
        g[0] = power
        g[3] = 1 - power
        g[4] = -(a - d) * power * Double.log(denominator)
        let common = (a - d) * s * power / denominator * u
        g[1] = x > 0 ? -common * Double.log(x / c) : 0
        g[2] = common * b / c
    }
    func admissible(_ t: [Double]) -> Bool { t[2] > 0 && t[4] > 0 && t.allSatisfy(\.isFinite) }
}
