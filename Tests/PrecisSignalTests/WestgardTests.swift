import PrecisSignal
import Testing

/// One hand-made QC sequence per rule, and one that breaks none. Two levels: level 1 with
/// target 10 ± 1, level 2 with target 50 ± 5; values are written as z-scores for clarity.
@Suite struct WestgardTests {
    static let targets = [1: QCTarget(mean: 10, sd: 1), 2: QCTarget(mean: 50, sd: 5)]

    /// Runs of (z level 1, z level 2), oldest first.
    static func history(_ runs: [(Double, Double)]) -> [QCObservation] {
        runs.enumerated().flatMap { run, z in
            [QCObservation(run: run + 1, level: 1, value: 10 + z.0), QCObservation(run: run + 1, level: 2, value: 50 + 5 * z.1)]
        }
    }

    static func rules(_ runs: [(Double, Double)]) -> Set<WestgardRule> {
        Set(Westgard.evaluate(history(runs), targets: targets).map(\.rule))
    }

    @Test func inControlBreaksNothing() {
        #expect(Self.rules([(0.5, -0.3), (-0.8, 0.4), (1.2, -1.1), (-0.2, 0.9), (0.3, -0.6)]).isEmpty)
    }

    @Test func oneTwoSIsOnlyAWarning() {
        let found = Westgard.evaluate(Self.history([(0.2, 0.1), (2.4, 0.3)]), targets: Self.targets)
        #expect(found.map(\.rule) == [.oneTwoS])
        #expect(found.allSatisfy { !$0.rejects })
    }

    @Test func oneThreeSRejects() {
        #expect(Self.rules([(0.2, 0.1), (0.1, -3.4)]) == [.oneThreeS, .oneTwoS])
    }

    @Test func twoTwoSWithinARunAndAcrossRuns() {
        #expect(Self.rules([(0.2, 0.1), (2.3, 2.6)]).contains(.twoTwoS))                 // both levels, one run
        #expect(Self.rules([(-2.2, 0.1), (-2.5, 0.4)]) == [.twoTwoS, .oneTwoS])         // level 1, two runs
    }

    @Test func rFourSIsARangeWithinOneRun() {
        let found = Westgard.evaluate(Self.history([(0.1, 0.0), (2.2, -2.3)]), targets: Self.targets)
        let r4s = found.first { $0.rule == .rFourS }
        #expect(r4s?.rejects == true)
        #expect(r4s?.scope == "within run across levels")
        #expect(!found.contains { $0.rule == .twoTwoS })
    }

    @Test func fourOneSAcrossRuns() {
        let rules = Self.rules([(0.0, 0.2), (1.3, -0.5), (1.6, 0.4), (1.2, 0.1), (1.8, -0.3)])
        #expect(rules == [.fourOneS])
    }

    @Test func tenXOnOneSide() {
        let runs = (0..<5).map { _ in (0.4, 0.6) }   // 10 observations above the mean, none beyond 1 SD
        let found = Westgard.evaluate(Self.history(runs), targets: Self.targets)
        #expect(Set(found.map(\.rule)) == [.tenX])
        #expect(found.first { $0.rule == .tenX }?.observations.count == 10)
    }

    @Test func onlyTheNewestRunIsJudged() {
        // A 1-3s three runs ago was judged then; the newest run is fine.
        #expect(Self.rules([(3.5, 0.0), (0.2, -0.4), (-0.3, 0.5)]).isEmpty)
    }
}
