@testable import PrecisCore
import PrecisReplay
@testable import PrecisSignal

/// The CRP assay's lateral-flow block as recommended for the assay definition: windows
/// around the test (9 mm) and control (16 mm) lines, SG 11/2 (0.55 mm, under the 0.8 mm
/// line width), ALS λ = 1e5, p = 0.01, 20 reweightings, control ≥ 0.1 absorbance and
/// ≥ 10 × the noise.
func crpMethod(window: Int = 11, order: Int = 2) -> LateralFlowMethod {
    LateralFlowMethod(controlWindowMM: ValueRange(low: 14, high: 18), testWindowMM: ValueRange(low: 7, high: 11),
                      smoothing: .init(window: window, order: order),
                      baseline: .init(lambda: 1e5, p: 0.01, iterations: 20),
                      minControlHeight: 0.1, minSignalToNoise: 10)
}

/// A CRP assay definition with the reference interval `< 5 mg/L`.
func crpAssay(reference: ReferenceRange? = ReferenceRange(low: nil, high: 5, text: "< 5 mg/L")) -> AssayDefinition {
    AssayDefinition(schema: "precis.assay/1", id: "crp", name: "C-reactive protein", analyte: "CRP",
                    loinc: Coding(code: "1988-5", display: "C reactive protein [Mass/volume] in Serum or Plasma"),
                    unit: MeasureUnit(ucum: "mg/L", display: "mg/L"), family: "lfr",
                    algorithm: "lateral-flow-tc-ratio", decimals: 1, referenceRange: reference, scan: nil,
                    lateralFlow: crpMethod())
}

/// A sandwich CRP lot: T/C rises from 0.02 at zero dose to 3.0, inflection at 40 mg/L;
/// LoD 0.5 mg/L, measuring range 1–200 mg/L.
func crpLot(model: CalibrationModel = .fourPL(a: 0.02, b: 1.2, c: 40, d: 3.0),
            lod: Double = 0.5, range: ValueRange = ValueRange(low: 1, high: 200)) -> CalibrationLot {
    CalibrationLot(schema: "precis.lot/1", lot: "CRP-2611A", assay: "crp", version: 1, source: "manufacturer",
                   manufactured: CalendarDate(year: 2026, month: 1, day: 15)!,
                   expiry: CalendarDate(year: 2027, month: 7, day: 31)!, response: "tc-ratio",
                   model: model, limitOfDetection: lod, measuringRange: range)
}

/// Backgrounds the synthetic strips are tested on: flat, rising and convex, falling and
/// concave, steep with a slight sag (absorbance 0.05–0.15 over the strip).
let testBackgrounds: [SyntheticStrip.Background] = [
    .init(offset: 0.10),
    .init(offset: 0.05, slope: 0.003, curvature: 0.0002),
    .init(offset: 0.15, slope: -0.003, curvature: -0.0002),
    .init(offset: 0.08, slope: 0.004, curvature: -0.0001),
]

/// T/C ratios across the measuring range.
let testRatios: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5]

/// The analysis of a synthetic CRP strip with the recommended method.
func analyzeCRP(ratio: Double, background: SyntheticStrip.Background = testBackgrounds[0],
                noiseSD: Double, seed: UInt64 = 1) -> LateralFlowResult {
    let strip = SyntheticStrip.crp(ratio: ratio, background: background, noiseSD: noiseSD, seed: seed)
    return LateralFlowAnalyzer(method: crpMethod()).analyze(strip.profile())
}
