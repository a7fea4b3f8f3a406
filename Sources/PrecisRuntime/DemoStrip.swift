import Foundation
import PrecisCore

/// TEMPORARY: a synthetic CRP strip until PrecisReplay's SyntheticStrip lands.
enum DemoStrip {
    static func crp(ratio: Double, seed: UInt64) -> LineProfile {
        let positions = Array(stride(from: 0, through: 25_000, by: 50))
        let sigma = 0.34, controlArea = 0.3
        let values = positions.map { p -> UInt16 in
            let x = Double(p) / 1000
            let g = { (c: Double, a: Double) in a / (sigma * 2.5066282746) * exp(-pow(x - c, 2) / (2 * sigma * sigma)) }
            let absorbance = 0.08 + 0.002 * x + g(16, controlArea) + g(9, controlArea * ratio)
            return UInt16((65535 * pow(10, -absorbance)).rounded())
        }
        return LineProfile(positionsUM: positions, reflectance: values)
    }
}
