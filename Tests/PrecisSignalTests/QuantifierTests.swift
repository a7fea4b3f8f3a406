@testable import PrecisCore
import Testing
@testable import PrecisSignal

@Suite struct QuantifierTests {
    let sandwich = crpLot()  // 4PL rising from 0.02 to 3.0; LoD 0.5, range 1–200 mg/L
    let assay = crpAssay()   // reference < 5 mg/L

    private func quantify(x: Double, lot: CalibrationLot? = nil, assay: AssayDefinition? = nil) -> Quantitation {
        let lot = lot ?? sandwich
        return Quantifier.quantify(ratio: lot.model.response(at: x), lot: lot, assay: assay ?? self.assay)
    }

    @Test func invalidStripHasNoNumber() {
        for ratio in [nil, Double.nan, .infinity] {
            let q = Quantifier.quantify(ratio: ratio, lot: sandwich, assay: assay)
            #expect(q.concentration == nil)
            #expect(q.flags == [.noControlLine])
        }
    }

    @Test func inRangeIsThePlainInverse() throws {
        let ratio = 0.4
        let q = Quantifier.quantify(ratio: ratio, lot: sandwich, assay: assay)
        let value = try #require(q.concentration)
        #expect(value.value == sandwich.model.inverse(of: ratio))  // not rounded
        #expect(value.comparator == nil)
        #expect(value.unit == "mg/L")
        #expect(q.flags == [.high])  // ≈ 7.9 mg/L, above the < 5 reference
        #expect(quantify(x: 3).flags == [])
    }

    @Test func belowTheZeroDoseAsymptoteIsBelowLoD() {
        for ratio in [-0.1, 0.0, 0.01, 0.02] {
            let q = Quantifier.quantify(ratio: ratio, lot: sandwich, assay: assay)
            #expect(q.concentration == Concentration(value: 0.5, comparator: "<", unit: "mg/L"))
            #expect(q.flags == [.belowLimitOfDetection])
        }
    }

    @Test func belowLoDAndBelowRange() throws {
        let underLoD = quantify(x: 0.3)
        #expect(underLoD.concentration == Concentration(value: 0.5, comparator: "<", unit: "mg/L"))
        #expect(underLoD.flags == [.belowLimitOfDetection])
        let detected = quantify(x: 0.7)
        let value = try #require(detected.concentration)
        #expect(abs(value.value - 0.7) < 1e-9 && value.comparator == nil)
        #expect(detected.flags == [.belowMeasuringRange])
    }

    @Test func aboveRangeAndAboveTheTopAsymptote() {
        for q in [quantify(x: 250), quantify(x: 5000),
                  Quantifier.quantify(ratio: 3.0, lot: sandwich, assay: assay),
                  Quantifier.quantify(ratio: 4.2, lot: sandwich, assay: assay)] {
            #expect(q.concentration == Concentration(value: 200, comparator: ">", unit: "mg/L"))
            #expect(q.flags == [.aboveMeasuringRange, .high])
        }
    }

    /// HIGH/LOW only when the reported value puts the true value beyond the limit for sure.
    @Test func referenceRangeFlags() {
        let lowAndHigh = crpAssay(reference: ReferenceRange(low: 1, high: 5, text: "1–5 mg/L"))
        #expect(quantify(x: 0.3, assay: lowAndHigh).flags == [.belowLimitOfDetection, .low])  // < 0.5 ≤ 1
        #expect(quantify(x: 0.7, assay: lowAndHigh).flags == [.belowMeasuringRange, .low])
        #expect(quantify(x: 3, assay: lowAndHigh).flags == [])
        let lowUnderLoD = crpAssay(reference: ReferenceRange(low: 0.3, high: 5, text: "0.3–5 mg/L"))
        #expect(quantify(x: 0.1, assay: lowUnderLoD).flags == [.belowLimitOfDetection])  // < 0.5 may be ≥ 0.3
        let wideHigh = crpAssay(reference: ReferenceRange(low: nil, high: 300, text: "< 300 mg/L"))
        #expect(quantify(x: 400, assay: wideHigh).flags == [.aboveMeasuringRange])  // > 200 may be ≤ 300
        let none = crpAssay(reference: nil)
        #expect(quantify(x: 400, assay: none).flags == [.aboveMeasuringRange])
        #expect(quantify(x: 0.1, assay: none).flags == [.belowLimitOfDetection])
        #expect(quantify(x: 50, assay: none).flags == [])
    }

    /// A competitive assay: the ratio falls as the concentration rises (a > d).
    @Test func decreasingCurve() throws {
        let lot = crpLot(model: .fourPL(a: 2.0, b: 1.0, c: 20, d: 0.1), lod: 0.5, range: ValueRange(low: 1, high: 100))
        let none = crpAssay(reference: nil)
        for ratio in [2.5, 2.0] {
            let q = Quantifier.quantify(ratio: ratio, lot: lot, assay: none)
            #expect(q.concentration == Concentration(value: 0.5, comparator: "<", unit: "mg/L"))
            #expect(q.flags == [.belowLimitOfDetection])
        }
        #expect(quantify(x: 0.3, lot: lot, assay: none).flags == [.belowLimitOfDetection])
        #expect(quantify(x: 0.7, lot: lot, assay: none).flags == [.belowMeasuringRange])
        let mid = try #require(quantify(x: 50, lot: lot, assay: none).concentration)
        #expect(abs(mid.value - 50) < 1e-9 && mid.comparator == nil)
        for q in [quantify(x: 150, lot: lot, assay: none), Quantifier.quantify(ratio: 0.1, lot: lot, assay: none),
                  Quantifier.quantify(ratio: 0.05, lot: lot, assay: none)] {
            #expect(q.concentration == Concentration(value: 100, comparator: ">", unit: "mg/L"))
            #expect(q.flags == [.aboveMeasuringRange])
        }
    }

    /// The same rising curve written with b < 0 (a and d swapped) reads the same.
    @Test func negativeSlopeParameterization() throws {
        let flipped = crpLot(model: .fourPL(a: 3.0, b: -1.2, c: 40, d: 0.02))
        for ratio in [0.01, 0.03, 0.4, 2.0, 3.5] {
            let a = Quantifier.quantify(ratio: ratio, lot: sandwich, assay: assay)
            let b = Quantifier.quantify(ratio: ratio, lot: flipped, assay: assay)
            #expect(a.flags == b.flags)
            #expect(a.concentration?.comparator == b.concentration?.comparator)
            #expect(abs((a.concentration?.value ?? .nan) - (b.concentration?.value ?? .nan)) < 1e-9)
        }
    }

    @Test func linearAndFivePLCurves() throws {
        let linear = crpLot(model: .linear(slope: 0.01, intercept: 0.02))
        #expect(Quantifier.quantify(ratio: 0.01, lot: linear, assay: assay).flags == [.belowLimitOfDetection])
        let mid = try #require(Quantifier.quantify(ratio: 0.52, lot: linear, assay: assay).concentration)
        #expect(abs(mid.value - 50) < 1e-9)
        #expect(Quantifier.quantify(ratio: 2.52, lot: linear, assay: assay).flags == [.aboveMeasuringRange, .high])
        let fivePL = crpLot(model: .fivePL(a: 0.02, b: 1.2, c: 40, d: 3.0, g: 0.8))
        let value = try #require(quantify(x: 12, lot: fivePL).concentration)
        #expect(abs(value.value - 12) < 1e-9)
        #expect(Quantifier.quantify(ratio: 3.0, lot: fivePL, assay: assay).flags == [.aboveMeasuringRange, .high])
    }

    @Test func unitIsTheAssays() throws {
        var other = crpAssay(reference: nil)
        other.unit = MeasureUnit(ucum: "ug/mL", display: "µg/mL")
        #expect(try #require(quantify(x: 10, assay: other).concentration).unit == "ug/mL")
        #expect(try #require(quantify(x: 0.1, assay: other).concentration).unit == "ug/mL")
    }

    @Test func flagsAreSorted() {
        let all = ResultFlag.allCases
        #expect(all.sorted() == all)
        let q = quantify(x: 0.7, assay: crpAssay(reference: ReferenceRange(low: 1, high: nil, text: "> 1")))
        #expect(q.flags == q.flags.sorted())
        #expect(q.flags == [.belowMeasuringRange, .low])
    }
}
