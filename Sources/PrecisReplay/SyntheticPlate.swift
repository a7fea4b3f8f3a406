import Foundation
import PrecisCore

/// A deterministic synthetic qPCR plate: per well, a sigmoid amplification curve whose
/// midpoint follows the starting copies and efficiency, on a sloped baseline with noise, and
/// a melt curve with one product peak. For the simulator and for tests that need a plate.
public enum SyntheticPlate {
    /// One well's chemistry.
    public struct Well: Sendable {
        /// Starting copies; 0 for a no-template control.
        public var copies: Double
        /// Amplification efficiency (1.0 = doubling each cycle).
        public var efficiency: Double
        /// Melting temperature of the product, °C.
        public var tm: Double
        /// Makes a well.
        public init(copies: Double, efficiency: Double = 0.95, tm: Double = 84) {
            self.copies = copies
            self.efficiency = efficiency
            self.tm = tm
        }
    }

    /// A plate of one dye: a tenfold dilution series from 10^7 copies down the columns in
    /// row A–G (triplicates across), no-template controls in row H.
    public static func dilutionSeries(dye: String = "FAM", cycles: Int = 45, seed: UInt64 = 3) -> QPCRPlateData {
        let wells = QPCRPlateData.wellNames.indices.map { index -> Well in
            let row = index / 12, column = index % 12
            guard row < 7 else { return Well(copies: 0) }
            return Well(copies: pow(10, 7 - Double(column / 3) - Double(row % 2) * 0.5))
        }
        return plate(dye: dye, wells: wells, cycles: cycles, seed: seed)
    }

    /// A plate of one dye with the given wells (96, A1…H12).
    public static func plate(dye: String, wells: [Well], cycles: Int, seed: UInt64,
                             melt: ThermalProfile.Melt = ThermalProfile.Melt(startC: 65, endC: 95, stepC: 0.5)) -> QPCRPlateData {
        var rng = SplitMix64(seed: seed)
        let temperatures = (0..<melt.points).map { melt.startC + Double($0) * melt.stepC }
        var data = QPCRPlateData(dyes: [dye], cycles: cycles, meltTemperatures: temperatures)
        for (w, well) in wells.enumerated() {
            // Detection threshold of ~10^10 copies: the midpoint is where copies·(1+E)^c reaches it.
            let midpoint = well.copies > 0 ? log(1e10 / well.copies) / log(1 + well.efficiency) + 4 : Double.infinity
            for c in 1...cycles {
                let signal = midpoint.isFinite ? 30_000 / (1 + exp(-(Double(c) - midpoint) / 1.6)) : 0
                data.amplification[0][w][c - 1] = (2_000 + 8 * Double(c) + signal + 25 * rng.nextGaussian()).rounded()
            }
            for (p, t) in temperatures.enumerated() {
                let product = midpoint.isFinite ? 20_000 / (1 + exp((t - well.tm) / 0.8)) : 0
                data.melt[0][w][p] = (1_500 + 60 * (95 - t) + product + 20 * rng.nextGaussian()).rounded()
            }
        }
        return data
    }
}
