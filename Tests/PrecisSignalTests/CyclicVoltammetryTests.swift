import Foundation
import PrecisSignal
import Testing

/// A peak that rises as a Gaussian flank and decays as a diffusion tail after its potential.
private func wave(_ u: Double) -> Double { u < 0 ? exp(-0.5 * u * u / (0.03 * 0.03)) : 1 / (1 + u / 0.05).squareRoot() }

/// A reversible pair with known Ep and ip (Epa 228.5 mV, Epc 171.5 mV: ΔEp 57 mV, E½ 200 mV),
/// on a capacitive current and, on the way back, the anodic current still decaying: the anodic
/// and cathodic peaks per cycle, ΔEp and E½ within one potential step (1 mV), ip within 2 %.
@Test func aReversiblePairGivesDeltaEpAndEHalfWithinOneStep() throws {
    let step = 0.001, (epa, epc, ipa, ipc) = (0.2285, 0.1715, 2e-6, 1.6e-6)
    let up = (0...800).map { -0.2 + Double($0) * step }
    let down = up.reversed().dropFirst()
    var e: [Double] = [], i: [Double] = []
    for _ in 0..<2 {
        for x in up { e.append(x); i.append(2e-7 + ipa * wave(x - epa)) }
        for x in down { e.append(x); i.append(-2e-7 + 0.3 * ipa * (x + 0.2) / 0.8 - ipc * wave(epc - x)) }
    }
    let cycles = try CyclicVoltammetryAnalyzer.analyze(potentials: e, currents: i)
    #expect(cycles.map(\.cycle) == [1, 2])
    for cycle in cycles {
        let anodic = try #require(cycle.anodic), cathodic = try #require(cycle.cathodic)
        #expect(anodic.direction == .anodic && cathodic.direction == .cathodic)
        #expect(abs(try #require(cycle.peakSeparation) - (epa - epc)) <= step + 1e-12, "ΔEp \(cycle.peakSeparation ?? 0)")
        #expect(abs(try #require(cycle.halfWavePotential) - (epa + epc) / 2) <= step + 1e-12)
        #expect(abs(anodic.height / ipa - 1) < 0.02, "\(anodic.height)")
        #expect(abs(cathodic.height / ipc - 1) < 0.02, "\(cathodic.height)")
        #expect(abs(try #require(cycle.peakCurrentRatio) - ipa / ipc) < 0.04)
        // The baseline comes from the capacitive region before the peak, not the switching potential.
        #expect(anodic.baselineTo < epa && cathodic.baselineTo > epc)
        #expect(abs(anodic.baselineCurrent - 2e-7) < 0.01 * ipa)
    }
}
