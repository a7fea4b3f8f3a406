import PrecisCore

/// Reads concentrations off a lot's curve.
public enum Quantifier {
    /// The concentration for `ratio` on `lot`'s curve, flagged against the lot's limits
    /// and the assay's reference range. Nothing is rounded here.
    ///
    /// - No ratio (invalid strip), or a ratio that is not a finite number: no concentration,
    ///   `[.noControlLine]`.
    /// - A ratio at or beyond the zero-dose end of the curve (at/below a sandwich curve's
    ///   zero-dose asymptote, at/above a competitive curve's), or a concentration below the
    ///   lot's limit of detection: `< LoD`, `.belowLimitOfDetection`.
    /// - LoD ≤ x < measuring range low: x, `.belowMeasuringRange`.
    /// - A ratio at or beyond the curve's high-dose asymptote, or x > measuring range high:
    ///   `> high`, `.aboveMeasuringRange`.
    /// - Then the reference range, asserted only when the reported value says so for sure:
    ///   a number x is `.high` when x > ref.high and `.low` when x < ref.low; `< LoD` is
    ///   `.low` only when LoD ≤ ref.low (the true value is then below the limit) and never
    ///   `.high`; `> high` is `.high` only when high ≥ ref.high and never `.low`.
    public static func quantify(ratio: Double?, lot: CalibrationLot, assay: AssayDefinition) -> Quantitation {
        guard let ratio, ratio.isFinite else { return Quantitation(concentration: nil, flags: [.noControlLine]) }
        let unit = assay.unit.ucum
        let lod = lot.limitOfDetection, range = lot.measuringRange
        var reported: Concentration
        var flags: [ResultFlag] = []
        switch CurvePosition(ratio: ratio, model: lot.model) {
        case .belowZeroDose:
            reported = Concentration(value: lod, comparator: "<", unit: unit)
        case .aboveTop:
            reported = Concentration(value: range.high, comparator: ">", unit: unit)
        case .on(let x) where x < lod:
            reported = Concentration(value: lod, comparator: "<", unit: unit)
        case .on(let x) where x > range.high:
            reported = Concentration(value: range.high, comparator: ">", unit: unit)
        case .on(let x):
            reported = Concentration(value: x, unit: unit)
            if x < range.low { flags.append(.belowMeasuringRange) }
        }
        if reported.comparator == "<" { flags.append(.belowLimitOfDetection) }
        if reported.comparator == ">" { flags.append(.aboveMeasuringRange) }
        flags += referenceFlags(reported, assay.referenceRange)
        return Quantitation(concentration: reported, flags: flags.sorted())
    }

    /// HIGH/LOW only when the reported value (number or bound) places the true value
    /// beyond the reference limit for certain.
    static func referenceFlags(_ value: Concentration, _ reference: ReferenceRange?) -> [ResultFlag] {
        guard let reference else { return [] }
        var flags: [ResultFlag] = []
        switch value.comparator {
        case "<":
            if let low = reference.low, value.value <= low { flags.append(.low) }
        case ">":
            if let high = reference.high, value.value >= high { flags.append(.high) }
        default:
            if let high = reference.high, value.value > high { flags.append(.high) }
            if let low = reference.low, value.value < low { flags.append(.low) }
        }
        return flags
    }
}

/// Where a response falls on a calibration curve, whichever way the curve runs.
enum CurvePosition: Equatable {
    /// At or beyond the zero-dose asymptote (or intercept): no concentration above 0 gives it.
    case belowZeroDose
    /// At or beyond the high-dose asymptote: no finite concentration gives it.
    case aboveTop
    /// On the curve, at concentration x ≥ 0.
    case on(Double)

    /// Places `ratio` on `model`: an increasing curve (sandwich assay) or a decreasing one
    /// (competitive assay, zero-dose response above the high-dose one).
    init(ratio: Double, model: CalibrationModel) {
        let (zeroDose, highDose) = model.asymptotes
        let increasing = highDose > zeroDose
        if increasing ? ratio <= zeroDose : ratio >= zeroDose {
            self = .belowZeroDose
        } else if let top = highDose.isFinite ? highDose : nil, increasing ? ratio >= top : ratio <= top {
            self = .aboveTop
        } else if let x = model.inverse(of: ratio) {
            self = .on(x)
        } else {
            // Between the asymptotes every response has a concentration; reaching here
            // means rounding at an asymptote: place it by which one it is nearer to.
            self = abs(ratio - zeroDose) <= abs(ratio - highDose) ? .belowZeroDose : .aboveTop
        }
    }
}

extension CalibrationModel {
    /// The responses at zero dose and at infinite dose (±∞ for a straight line).
    var asymptotes: (zeroDose: Double, highDose: Double) {
        switch self {
        case let .fourPL(a, b, _, d), let .fivePL(a, b, _, d, _):
            return b > 0 ? (a, d) : (d, a)
        case let .linear(slope, intercept):
            return (intercept, slope > 0 ? .infinity : slope < 0 ? -.infinity : intercept)
        }
    }
}
