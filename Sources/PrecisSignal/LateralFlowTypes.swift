import PrecisCore

/// One line (control or test) found on a strip, in absorbance over the baseline.
public struct LinePeak: Sendable, Codable, Equatable {
    /// Position of the maximum, mm along the strip.
    public var positionMM: Double
    /// Height of the maximum over the baseline, absorbance units.
    public var height: Double
    /// Area over the baseline between `startMM` and `endMM`, absorbance·mm.
    public var area: Double
    /// Where the integration started, mm.
    public var startMM: Double
    /// Where the integration ended, mm.
    public var endMM: Double
    /// Height divided by the baseline noise (robust standard deviation).
    public var signalToNoise: Double
}

/// Why a strip gave no ratio.
public enum LateralFlowInvalidity: String, Sendable, Codable, Equatable {
    /// No control line above the method's height and signal-to-noise thresholds.
    case noControlLine = "NO_CONTROL_LINE"
    /// The profile is too short or not increasing in position.
    case unusableProfile = "UNUSABLE_PROFILE"
}

/// Everything the lateral-flow analysis computed, kept so it can be stored and drawn.
public struct LateralFlowResult: Sendable, Codable, Equatable {
    /// Positions, mm.
    public var positionsMM: [Double]
    /// Absorbance, −log10(reflectance / full scale), before smoothing.
    public var absorbance: [Double]
    /// Absorbance after Savitzky–Golay smoothing.
    public var smoothed: [Double]
    /// The baseline under `smoothed` the lines are measured from: asymmetric least squares,
    /// refined by a Whittaker fit that ignores the lines (see `LateralFlowAnalyzer`).
    public var baseline: [Double]
    /// The control line, when one was found.
    public var control: LinePeak?
    /// The test line, integrated over its window even when faint.
    public var test: LinePeak?
    /// Robust standard deviation (1.4826·MAD) of the corrected smoothed signal outside the
    /// line windows, absorbance; never below one ADC count's worth of absorbance.
    public var noise: Double
    /// Test area over control area; nil when the strip is invalid.
    public var ratio: Double?
    /// Why the strip is invalid; nil when valid.
    public var invalidity: LateralFlowInvalidity?
}

/// A concentration read off a calibration curve, with the flags that qualify it.
public struct Quantitation: Sendable, Codable, Equatable {
    /// The reported concentration; nil only when nothing could be read (an invalid strip, a
    /// spectrum that is saturated, without a usable reference or above its linear limit).
    public var concentration: Concentration?
    /// The flags, sorted.
    public var flags: [ResultFlag]
}
