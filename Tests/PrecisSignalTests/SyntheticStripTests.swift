import Foundation
import PrecisCore
import PrecisReplay
import Testing

/// The synthetic strips the analysis is tested with are themselves what they claim.
@Suite struct SyntheticStripTests {
    /// SplitMix64's published first outputs for seed 0.
    @Test func splitMixMatchesTheReferenceSequence() {
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(random.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func gaussianDrawsAreStandardNormal() {
        var random = SplitMix64(seed: 42)
        let draws = (0..<100_000).map { _ in random.nextGaussian() }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count - 1)
        #expect(abs(mean) < 0.01)
        #expect(abs(variance - 1) < 0.02)
        #expect(draws.allSatisfy { $0.isFinite })
    }

    @Test func sameSeedSameStripOtherSeedOtherNoise() {
        let a = SyntheticStrip.crp(ratio: 0.3, seed: 9).profile()
        #expect(a == SyntheticStrip.crp(ratio: 0.3, seed: 9).profile())
        #expect(a != SyntheticStrip.crp(ratio: 0.3, seed: 10).profile())
        #expect(a.count == 501 && a.positionsUM.first == 0 && a.positionsUM.last == 25_000)
    }

    /// Lines have the area asked for; readings are fullScale·10^(−A) rounded.
    @Test func linesAndCountsAreAsSpecified() {
        let strip = SyntheticStrip.crp(ratio: 0.5, background: .init(offset: 0.1), noiseSD: 0)
        let a = strip.absorbance()
        let area = zip(a, a.dropFirst()).reduce(0) { $0 + 0.5 * ($1.0 + $1.1 - 0.2) * 0.05 }
        #expect(abs(area - 1.5 * SyntheticStrip.CRP.controlArea) < 1e-6)
        #expect(abs(strip.lines[0].height - 0.45) < 1e-12)
        let profile = strip.profile()
        for i in [0, 180, 320] {
            #expect(Double(profile.reflectance[i]) == (65535 * pow(10, -a[i])).rounded())
        }
        let dark = SyntheticStrip(lines: [], background: .init(offset: 9), noiseSD: 0, seed: 1).profile()
        #expect(dark.reflectance.allSatisfy { $0 == 0 })
        let bright = SyntheticStrip(lines: [], background: .init(offset: -1), noiseSD: 0, seed: 1).profile()
        #expect(bright.reflectance.allSatisfy { $0 == 65535 })
    }
}
