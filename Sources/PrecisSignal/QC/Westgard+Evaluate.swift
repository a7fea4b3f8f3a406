/// Evaluates the Westgard multirules on the newest QC run of a history.
///
/// Counted as "consecutive" are, for each rule that spans observations, both readings the
/// CLSI C24 guideline names: across runs for one level (that level's last n observations),
/// and across levels within the newest run and the runs before it (all observations in time
/// order: run, then level). A rule is reported only when the newest run takes part in it —
/// earlier runs were judged when they were new.
public enum Westgard {
    /// The violations the newest run (the highest `run` number) causes, 1-2s included as a warning.
    public static func evaluate(_ history: [QCObservation], targets: [Int: QCTarget]) -> [WestgardViolation] {
        let ordered = history.filter { targets[$0.level] != nil }.sorted { ($0.run, $0.level) < ($1.run, $1.level) }
        guard let newest = ordered.last?.run else { return [] }
        func z(_ o: QCObservation) -> Double { (o.value - targets[o.level]!.mean) / targets[o.level]!.sd }
        let current = ordered.filter { $0.run == newest }
        var found: [WestgardViolation] = []
        for o in current where abs(z(o)) > 3 {
            found.append(WestgardViolation(rule: .oneThreeS, rejects: true, observations: [o], scope: "level \(o.level)"))
        }
        for o in current where abs(z(o)) > 2 {
            found.append(WestgardViolation(rule: .oneTwoS, rejects: false, observations: [o], scope: "level \(o.level)"))
        }
        let high = current.filter { z($0) > 2 }, low = current.filter { z($0) < -2 }
        if let h = high.first, let l = low.first {
            found.append(WestgardViolation(rule: .rFourS, rejects: true, observations: [h, l].sorted { $0.level < $1.level },
                                           scope: "within run across levels"))
        }
        let spans: [(WestgardRule, Int, (Double) -> Int)] = [
            (.twoTwoS, 2, { $0 > 2 ? 1 : ($0 < -2 ? -1 : 0) }),
            (.fourOneS, 4, { $0 > 1 ? 1 : ($0 < -1 ? -1 : 0) }),
            (.tenX, 10, { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }),
        ]
        for (rule, n, side) in spans {
            found += consecutive(rule, n: n, ordered: ordered, newest: newest, side: { side(z($0)) })
        }
        return found
    }

    /// `n` consecutive observations on one side, per level across runs and across all levels in
    /// time order, ending with an observation of the newest run; each qualifying run reported once.
    static func consecutive(_ rule: WestgardRule, n: Int, ordered: [QCObservation], newest: Int,
                            side: (QCObservation) -> Int) -> [WestgardViolation] {
        var found: [WestgardViolation] = []
        var sequences: [(String, [QCObservation])] = Set(ordered.map(\.level)).sorted().map { level in
            ("across runs, level \(level)", ordered.filter { $0.level == level })
        }
        sequences.append(("across levels and runs", ordered))
        for (scope, sequence) in sequences {
            guard sequence.count >= n, sequence.last?.run == newest else { continue }
            let tail = Array(sequence.suffix(n))
            let sides = tail.map(side)
            guard let first = sides.first, first != 0, sides.allSatisfy({ $0 == first }) else { continue }
            if found.contains(where: { $0.observations == tail }) { continue }
            found.append(WestgardViolation(rule: rule, rejects: true, observations: tail, scope: scope))
        }
        return found
    }
}
