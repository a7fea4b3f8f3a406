/// One QC measurement: which run it belongs to, which control level, and its value.
public struct QCObservation: Sendable, Equatable, Codable {
    /// The QC run's sequence number (increasing with time).
    public var run: Int
    /// The control level (1, 2, …).
    public var level: Int
    /// The measured value.
    public var value: Double

    /// Makes an observation.
    public init(run: Int, level: Int, value: Double) {
        self.run = run
        self.level = level
        self.value = value
    }
}

/// A control level's target: the mean and standard deviation the lab established.
public struct QCTarget: Sendable, Equatable, Codable {
    /// Target mean.
    public var mean: Double
    /// Target standard deviation (> 0).
    public var sd: Double

    /// Makes a target.
    public init(mean: Double, sd: Double) {
        self.mean = mean
        self.sd = sd
    }
}

/// A Westgard rule (Westgard, Barry, Hunt & Groth 1981, "A multi-rule Shewhart chart for
/// quality control in clinical chemistry").
public enum WestgardRule: String, Sendable, Codable, CaseIterable {
    /// One observation beyond ±2 SD: a warning that triggers inspection by the other rules.
    case oneTwoS = "1-2s"
    /// One observation beyond ±3 SD: random error, reject.
    case oneThreeS = "1-3s"
    /// Two consecutive observations beyond 2 SD on the same side: systematic error, reject.
    case twoTwoS = "2-2s"
    /// In one run, one level above +2 SD and another below −2 SD: random error, reject.
    case rFourS = "R-4s"
    /// Four consecutive observations beyond 1 SD on the same side: systematic error, reject.
    case fourOneS = "4-1s"
    /// Ten consecutive observations on the same side of the mean: systematic error, reject.
    case tenX = "10-x"

    /// Whether the rule rejects the run (all but 1-2s).
    public var rejects: Bool { self != .oneTwoS }
}

/// A rule a QC run broke, and which observations broke it.
public struct WestgardViolation: Sendable, Equatable, Codable {
    /// The rule.
    public var rule: WestgardRule
    /// Whether the run is rejected (patient results held) or only warned.
    public var rejects: Bool
    /// The observations involved, oldest first.
    public var observations: [QCObservation]
    /// How the rule was read: "within run across levels", "across runs, level 1", …
    public var scope: String
}
