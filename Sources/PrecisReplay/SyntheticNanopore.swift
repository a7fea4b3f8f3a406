import Foundation
import PrecisCore

/// Synthetic strand signal for a simulated sequencer: a random walk of current levels with
/// geometric dwell times and Gaussian noise, as a DNA strand moving through an R9-like pore
/// looks, quantised with a channel's calibration. Seeded: the same seed gives the same read.
public enum SyntheticNanopore {
    /// One read of `length` raw samples: levels 60–140 pA, mean dwell `dwell` samples, noise `noise` pA.
    public static func read(length: Int, digitisation: Double, offset: Double, range: Double, seed: UInt64,
                            dwell: Double = 9, noise: Double = 1.5) -> [Int16] {
        var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 1)
        let calibration = ChannelCalibration(digitisation: digitisation, offset: offset, range: range)
        var level = 60 + 80 * rng.nextUnit()
        var left = 0
        var out = [Int16]()
        out.reserveCapacity(length)
        for _ in 0..<length {
            if left == 0 {
                level = min(140, max(60, level + 25 * (rng.nextUnit() - 0.5) * 2))
                left = max(1, Int(-log(rng.nextUnit()) * dwell))
            }
            left -= 1
            let current = level + noise * rng.nextGaussian()
            out.append(calibration.raw(picoamperes: current))
        }
        return out
    }
}
