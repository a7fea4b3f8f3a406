import PrecisCore
import PrecisSignal
import RealModule
import Testing

@Suite struct KineticsTests {
    static let time = (0..<60).map { Double($0) * 5 }   // 5 min, one reading every 5 s

    static func noise(_ i: Int) -> Double { Double.sin(Double(i) * 12.9898) * 2 }   // ±2, deterministic

    @Test func theLinearPhaseGivesTheRateAfterALag() throws {
        // Flat for 60 s, then 12 counts/s for 150 s, then a plateau.
        let signal = Self.time.enumerated().map { i, t in 500 + 12 * min(max(t - 60, 0), 150) + Self.noise(i) }
        let result = try KineticAnalyzer(blankSeconds: 50).analyze(time: Self.time, signal: signal)
        #expect(abs(result.rate - 12) < 0.05)
        #expect(result.start >= 60 && result.end <= 215)
        #expect(result.r2 > 0.999)
        #expect(abs(result.endpoint - 1800) < 5)
        #expect(result.flags.isEmpty)
        #expect(result.signalToNoise > 100)
    }

    @Test func saturatedReadingsAreLeftOutAndFlagged() throws {
        let signal = Self.time.enumerated().map { i, t in min(500 + 20 * max(t - 30, 0) + Self.noise(i), 4000) }
        let result = try KineticAnalyzer(blankSeconds: 25, saturation: 4000).analyze(time: Self.time, signal: signal)
        #expect(result.flags.contains(.saturated))
        #expect(abs(result.rate - 20) < 0.1)
    }

    @Test func aFlatNoisyReadIsNotTrusted() throws {
        let signal = Self.time.indices.map { 500 + 5 * Self.noise($0) }
        let result = try KineticAnalyzer(blankSeconds: 50).analyze(time: Self.time, signal: signal)
        #expect(result.flags.contains(.noLinearPhase) || result.flags.contains(.tooNoisy))
    }

    @Test func badInputIsAnError() {
        #expect(throws: PrecisError.self) { try KineticAnalyzer(blankSeconds: 10).analyze(time: [0, 1], signal: [1, 2]) }
        #expect(throws: PrecisError.self) {
            try KineticAnalyzer(blankSeconds: 10).analyze(time: Self.time.reversed(), signal: Self.time)
        }
    }
}
