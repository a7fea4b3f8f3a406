import PrecisCore

/// Turns a strip's line profile into control and test lines and their ratio.
public struct LateralFlowAnalyzer: Sendable {
    /// The method from the assay definition.
    public let method: LateralFlowMethod

    /// Makes an analyzer for `method`.
    public init(method: LateralFlowMethod) { self.method = method }

    /// Analyses one profile. Placeholder until the signal core lands.
    public func analyze(_ profile: LineProfile) -> LateralFlowResult {
        LateralFlowResult(positionsMM: [], absorbance: [], smoothed: [], baseline: [], control: nil, test: nil,
                          noise: 0, ratio: nil, invalidity: .unusableProfile)
    }
}

/// Reads concentrations off a lot's curve.
public enum Quantifier {
    /// The concentration for `ratio` on `lot`'s curve, flagged against the lot's limits
    /// and the assay's reference range. Placeholder until the signal core lands.
    public static func quantify(ratio: Double?, lot: CalibrationLot, assay: AssayDefinition) -> Quantitation {
        Quantitation(concentration: nil, flags: [.noControlLine])
    }
}
