/// A thermal profile for a real-time PCR run: stages of steps, and an optional melt.
public struct ThermalProfile: Sendable, Codable, Equatable {
    /// One temperature step.
    public struct Step: Sendable, Codable, Equatable {
        /// Set point, °C.
        public var temperatureC: Double
        /// Hold time, s.
        public var holdSeconds: Int
        /// Whether fluorescence is read at the end of the step.
        public var acquire: Bool
        /// Makes a step.
        public init(temperatureC: Double, holdSeconds: Int, acquire: Bool = false) {
            self.temperatureC = temperatureC
            self.holdSeconds = holdSeconds
            self.acquire = acquire
        }
    }

    /// A stage: its steps, repeated (a hold has 1 repeat, a cycling stage n).
    public struct Stage: Sendable, Codable, Equatable {
        /// Repeats of the steps.
        public var repeats: Int
        /// The steps.
        public var steps: [Step]
        /// Makes a stage.
        public init(repeats: Int, steps: [Step]) {
            self.repeats = repeats
            self.steps = steps
        }
    }

    /// A melt curve: from `startC` to `endC` by `stepC`.
    public struct Melt: Sendable, Codable, Equatable {
        /// First temperature, °C.
        public var startC: Double
        /// Last temperature, °C.
        public var endC: Double
        /// Increment, °C.
        public var stepC: Double
        /// Makes a melt.
        public init(startC: Double, endC: Double, stepC: Double) {
            self.startC = startC
            self.endC = endC
            self.stepC = stepC
        }
        /// How many points the melt reads.
        public var points: Int { stepC > 0 && endC >= startC ? Int(((endC - startC) / stepC).rounded(.down)) + 1 : 0 }
    }

    /// The stages in order.
    public var stages: [Stage]
    /// The melt after the stages, if any.
    public var melt: Melt?

    /// Makes a profile.
    public init(stages: [Stage], melt: Melt?) {
        self.stages = stages
        self.melt = melt
    }

    /// Acquisitions the profile yields (cycles of data).
    public var cycles: Int { stages.reduce(0) { $0 + $1.repeats * $1.steps.filter(\.acquire).count } }

    /// A standard two-step SYBR profile: 95 °C 2 min, `cycles` × (95 °C 15 s, 60 °C 60 s, read), melt 65–95 °C.
    public static func standard(cycles: Int = 45) -> ThermalProfile {
        ThermalProfile(stages: [
            Stage(repeats: 1, steps: [Step(temperatureC: 95, holdSeconds: 120)]),
            Stage(repeats: cycles, steps: [Step(temperatureC: 95, holdSeconds: 15),
                                           Step(temperatureC: 60, holdSeconds: 60, acquire: true)]),
        ], melt: Melt(startC: 65, endC: 95, stepC: 0.5))
    }
}

/// Fluorescence of a 96-well plate: per dye, per well, per cycle; and the melt, per dye,
/// per well, per temperature point.
public struct QPCRPlateData: Sendable, Codable, Equatable {
    /// Well names in the plate's order: A1…A12, B1…H12.
    public static let wellNames: [String] = "ABCDEFGH".flatMap { row in (1...12).map { "\(row)\($0)" } }

    /// The dyes read, in the instrument's order.
    public var dyes: [String]
    /// Cycles of amplification data.
    public var cycles: Int
    /// `amplification[dye][well][cycle - 1]`, raw counts.
    public var amplification: [[[Double]]]
    /// Melt temperatures, °C.
    public var meltTemperatures: [Double]
    /// `melt[dye][well][point]`, raw counts.
    public var melt: [[[Double]]]

    /// A plate of `dyes` with no data yet (zeros).
    public init(dyes: [String], cycles: Int, meltTemperatures: [Double]) {
        self.dyes = dyes
        self.cycles = cycles
        let wells = Self.wellNames.count
        amplification = Array(repeating: Array(repeating: Array(repeating: 0, count: cycles), count: wells), count: dyes.count)
        self.meltTemperatures = meltTemperatures
        melt = Array(repeating: Array(repeating: Array(repeating: 0, count: meltTemperatures.count), count: wells),
                     count: dyes.count)
    }
}
