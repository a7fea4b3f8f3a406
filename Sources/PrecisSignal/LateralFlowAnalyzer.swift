import PrecisCore
import RealModule

/// Turns a strip's line profile into control and test lines and their ratio.
///
/// The steps, in order:
/// 1. absorbance A = −log10(max(R, 1) / fullScale) per reading; positions µm → mm;
/// 2. Savitzky–Golay smoothing (`method.smoothing`);
/// 3. an asymmetric least squares baseline under the smoothed absorbance (`method.baseline`);
/// 4. first look at the lines on smoothed − ALS baseline, to find where they lie;
/// 5. the baseline refined: the same Whittaker smoother (same λ) refitted with unit
///    weights everywhere except over the lines found in step 4 (widened by
///    `maskMargin`), which get weight 0, so the baseline bridges them. This removes what
///    plain ALS leaves under the lines: its rise under a strong line (the weight `p` the
///    line still has), the dip beside it, and its offset below the noise band (ALS sits
///    near the lower edge of the noise, which would add a false area to every line);
/// 6. corrected = smoothed − refined baseline; noise = 1.4826·MAD of the corrected signal
///    outside both line windows (the noise of the *smoothed* signal);
/// 7. each line measured on the corrected signal (see `LateralFlowAnalyzer+Lines.swift`);
/// 8. validity: control height ≥ `minControlHeight` and height/noise ≥ `minSignalToNoise`,
///    else the strip is invalid (`.noControlLine`) and has no ratio; ratio = test / control area.
public struct LateralFlowAnalyzer: Sendable {
    /// The method from the assay definition.
    public let method: LateralFlowMethod

    /// Makes an analyzer for `method`. Check the method once with `check(_:)` when the
    /// assay is loaded: `analyze` reports a method it cannot use as `.unusableProfile`.
    public init(method: LateralFlowMethod) { self.method = method }

    /// The fraction of a line's height at which its integration bounds stop.
    public static let boundaryFraction = 0.01
    /// How much wider than a line's integration bounds the band is that the baseline
    /// refinement ignores, as a fraction of the bounds' extent on each side.
    public static let maskMargin = 0.5
    /// The asymmetric least squares tolerance (pybaselines' default `tol`).
    public static let baselineTolerance = 1e-3

    /// Throws `.calibration` when `method` cannot be used: an even or too small smoothing
    /// window, an order not below the window, λ ≤ 0, p outside (0, 1), negative
    /// iterations, an empty window, or a negative threshold.
    public static func check(_ method: LateralFlowMethod) throws {
        do {
            _ = try SavitzkyGolay(window: method.smoothing.window, order: method.smoothing.order)
            _ = try AsymmetricLeastSquares(count: 3, lambda: method.baseline.lambda, p: method.baseline.p,
                                           iterations: method.baseline.iterations)
        } catch let error as PrecisError {
            throw PrecisError(.calibration, "lateral-flow method: \(error.message)", hint: error.hint)
        }
        for (name, window) in [("control", method.controlWindowMM), ("test", method.testWindowMM)] {
            guard window.low.isFinite, window.high.isFinite, window.low < window.high else {
                throw PrecisError(.calibration, "lateral-flow method: the \(name) window [\(window.low), \(window.high)] mm is empty")
            }
        }
        guard method.minControlHeight.isFinite, method.minControlHeight >= 0,
              method.minSignalToNoise.isFinite, method.minSignalToNoise >= 0 else {
            throw PrecisError(.calibration, "lateral-flow method: minControlHeight and minSignalToNoise must be numbers ≥ 0")
        }
    }

    /// Analyses one profile. Never throws and never traps: a profile it cannot analyse
    /// (shorter than the smoothing window, positions not strictly increasing, a line
    /// window holding fewer than 3 readings, a method `check` rejects) gives
    /// `.unusableProfile`; a strip without a valid control line gives `.noControlLine`.
    public func analyze(_ profile: LineProfile) -> LateralFlowResult {
        let positionsMM = profile.positionsUM.map { Double($0) / 1000 }
        let absorbance = Self.absorbance(profile)
        var result = LateralFlowResult(positionsMM: positionsMM, absorbance: absorbance, smoothed: [], baseline: [],
                                       control: nil, test: nil, noise: 0, ratio: nil, invalidity: .unusableProfile)
        guard (try? Self.check(method)) != nil, Self.isUsable(profile, window: method.smoothing.window),
              let windows = LineWindows(positionsMM: positionsMM, method: method),
              let signal = try? correctedSignal(absorbance, windows: windows)
        else { return result }
        result.smoothed = signal.smoothed
        result.baseline = signal.baseline
        let noise = max(Self.robustNoise(signal.corrected, outside: windows), Self.noiseFloor(profile.fullScale))
        result.noise = noise
        let lines = Self.measureLines(signal.corrected, positionsMM: positionsMM, windows: windows, noise: noise)
        result.test = lines.test
        result.invalidity = .noControlLine
        guard lines.control.height >= method.minControlHeight, lines.control.signalToNoise >= method.minSignalToNoise,
              lines.control.area > 0 else { return result }
        result.control = lines.control
        result.ratio = lines.test.area / lines.control.area
        result.invalidity = nil
        return result
    }

    /// −log10(max(R, 1) / fullScale) for every reading (negative above full scale).
    static func absorbance(_ profile: LineProfile) -> [Double] {
        let fullScale = Double(max(profile.fullScale, 1))
        return profile.reflectance.map { -Double.log10(Double(max($0, 1)) / fullScale) }
    }

    /// At least `window` (and 3) readings, positions strictly increasing, a full scale > 0.
    static func isUsable(_ profile: LineProfile, window: Int) -> Bool {
        guard profile.count >= max(window, 3), profile.positionsUM.count == profile.count,
              profile.fullScale > 0 else { return false }
        return zip(profile.positionsUM, profile.positionsUM.dropFirst()).allSatisfy { $0 < $1 }
    }

    /// The absorbance change of one count at full scale: the least noise the reader can show.
    static func noiseFloor(_ fullScale: UInt16) -> Double {
        1 / (Double(max(fullScale, 1)) * Double.log(10))
    }

    /// The smoothed absorbance, its refined baseline and their difference.
    struct Signal {
        var smoothed: [Double]
        var baseline: [Double]
        var corrected: [Double]
    }

    /// Steps 2–5: smoothing, ALS baseline, first look at the lines, masked refinement.
    func correctedSignal(_ absorbance: [Double], windows: LineWindows) throws -> Signal {
        let n = absorbance.count
        let smoothed = try SavitzkyGolay(window: method.smoothing.window, order: method.smoothing.order)
            .filtered(absorbance)
        var als = try AsymmetricLeastSquares(count: n, lambda: method.baseline.lambda, p: method.baseline.p,
                                             iterations: method.baseline.iterations,
                                             tolerance: Self.baselineTolerance)
        var baseline: [Double] = []
        try als.fit(smoothed, into: &baseline)
        let firstLook = zip(smoothed, baseline).map { $0 - $1 }
        let weights = Self.maskWeights(count: n, lines: Self.lineExtents(firstLook, windows: windows))
        var refiner = try WhittakerSmoother(count: n, lambda: method.baseline.lambda)
        try refiner.smooth(smoothed, weights: weights, into: &baseline)
        return Signal(smoothed: smoothed, baseline: baseline, corrected: zip(smoothed, baseline).map { $0 - $1 })
    }

    /// Unit weights, zero over each line's extent widened by `maskMargin` on each side.
    static func maskWeights(count: Int, lines: (control: LineExtent, test: LineExtent)) -> [Double] {
        var weights = [Double](repeating: 1, count: count)
        for line in [lines.control, lines.test] {
            let left = Int((Double(line.peak - line.start) * (1 + maskMargin)).rounded(.up))
            let right = Int((Double(line.end - line.peak) * (1 + maskMargin)).rounded(.up))
            for i in max(0, line.peak - left)...min(count - 1, line.peak + right) { weights[i] = 0 }
        }
        return weights
    }
}
