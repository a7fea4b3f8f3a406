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
        plate(dyes: [dye: wells], cycles: cycles, seed: seed, melt: melt)
    }

    /// A plate of several dyes (a multiplex: target and internal control in each well), each
    /// with its 96 wells; the dyes in name order.
    public static func plate(dyes: [String: [Well]], cycles: Int, seed: UInt64,
                             melt: ThermalProfile.Melt = ThermalProfile.Melt(startC: 65, endC: 95, stepC: 0.5)) -> QPCRPlateData {
        var rng = SplitMix64(seed: seed)
        let temperatures = (0..<melt.points).map { melt.startC + Double($0) * melt.stepC }
        let names = dyes.keys.sorted()
        var data = QPCRPlateData(dyes: names, cycles: cycles, meltTemperatures: temperatures)
        for (d, name) in names.enumerated() {
            fill(&data, dye: d, wells: dyes[name] ?? [], cycles: cycles, temperatures: temperatures, rng: &rng)
        }
        return data
    }

    static func fill(_ data: inout QPCRPlateData, dye d: Int, wells: [Well], cycles: Int, temperatures: [Double],
                     rng: inout SplitMix64) {
        for (w, well) in wells.enumerated() where w < QPCRPlateData.wellNames.count {
            // Detection threshold of ~10^10 copies: the midpoint is where copies·(1+E)^c reaches it.
            let midpoint = well.copies > 0 ? log(1e10 / well.copies) / log(1 + well.efficiency) + 4 : Double.infinity
            for c in 1...cycles {
                let signal = midpoint.isFinite ? 30_000 / (1 + exp(-(Double(c) - midpoint) / 1.6)) : 0
                data.amplification[d][w][c - 1] = (2_000 + 8 * Double(c) + signal + 25 * rng.nextGaussian()).rounded()
            }
            for (p, t) in temperatures.enumerated() {
                let product = midpoint.isFinite ? 20_000 / (1 + exp((t - well.tm) / 0.8)) : 0
                data.melt[d][w][p] = (1_500 + 60 * (95 - t) + product + 20 * rng.nextGaussian()).rounded()
            }
        }
    }

    /// The plate a wells file describes: a CSV `well,DYE,DYE…` with each well's starting copies
    /// per reaction for each dye (an empty cell or a well not listed: none). What the simulated
    /// cycler holds, so that a test or a demo knows what each tube really contained.
    public static func plate(wellsCSV text: String, name: String, cycles: Int = 45, seed: UInt64 = 3) throws -> QPCRPlateData {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }),
              header.first == "well", header.count >= 2 else {
            throw PrecisError(.input, "\(name): the first line must be well,DYE[,DYE…]")
        }
        let dyeNames = Array(header.dropFirst())
        var wells = Dictionary(uniqueKeysWithValues: dyeNames.map { ($0, [Well](repeating: Well(copies: 0), count: QPCRPlateData.wellNames.count)) })
        for (n, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == header.count, let index = QPCRPlateData.wellNames.firstIndex(of: cells[0].uppercased()) else {
                throw PrecisError(.input, "\(name) line \(n + 2): needs a well A1…H12 and \(dyeNames.count) values")
            }
            for (d, cell) in cells.dropFirst().enumerated() where !cell.isEmpty {
                guard let copies = Double(cell), copies >= 0, copies.isFinite else {
                    throw PrecisError(.input, "\(name) line \(n + 2): '\(cell)' is not a number of copies ≥ 0")
                }
                wells[dyeNames[d]]![index] = Well(copies: copies)
            }
        }
        return plate(dyes: wells, cycles: cycles, seed: seed)
    }
}
