import Foundation
@testable import PrecisCore
@testable import PrecisSignal
import PrecisReplay
import Testing

/// A logistic amplification curve: baseline + plateau · N0·E^c / (1 + N0·E^c) over `cycles`,
/// with a small deterministic ripple as instrument noise.
func amplification(n0: Double, efficiency: Double = 1.9, cycles: Int = 45, baseline: Double = 800, plateau: Double = 20_000,
                   noise: Double = 2) -> [Double?] {
    (1...cycles).map { c in
        let grown = n0 * Foundation.pow(efficiency, Double(c))
        return baseline + plateau * grown / (1 + grown) + noise * Foundation.sin(Double(c) * 2.3)
    }
}

@Suite struct LinRegPCRTests {
    /// Tenfold dilutions of one template: each decade moves Cq by log(10)/log(E) cycles and the
    /// standard curve gives the efficiency back.
    @Test func aDilutionSeriesGivesTheEfficiencyBack() throws {
        let n0s = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8]
        var curves: [AmplificationCurve] = []
        for (i, n0) in n0s.enumerated() {
            for replicate in 0..<3 {
                curves.append(AmplificationCurve(well: "A\(i * 3 + replicate + 1)", target: "T1", sampleType: "std",
                                                 fluorescence: amplification(n0: n0 * (1 + 0.01 * Double(replicate)))))
            }
        }
        let analysis = try LinRegPCR().analyse(curves)
        #expect(analysis.warnings.isEmpty)
        for r in analysis.results {
            #expect(r.amplification && r.plateau && r.baselineError == 0, "\(r.well): \(r.notes)")
            #expect(abs(r.individualEfficiency - 1.9) < 0.08, "\(r.well): \(r.individualEfficiency)")
            #expect(abs(r.baseline - 800) < 5, "\(r.well): baseline \(r.baseline)")
        }
        // LinRegPCR's window ends just before TD0, where a logistic curve already bends: its
        // efficiency reads a little under the exponential phase's 1.9 (1.847 here).
        let meanEfficiency = analysis.results[0].meanEfficiency
        #expect(meanEfficiency < 1.9 && meanEfficiency > 1.83)
        let cqs = analysis.results.map(\.td0)
        let perDecade = Foundation.log(10) / Foundation.log(1.9)
        for decade in 1..<n0s.count {
            #expect(abs((cqs[decade * 3] - cqs[(decade - 1) * 3]) - perDecade) < 0.1)   // TD0 interpolated between whole cycles
        }
        let curve = try StandardCurve(quantities: curves.indices.map { n0s[$0 / 3] * (1 + 0.01 * Double($0 % 3)) }, cqs: cqs)
        #expect(abs(curve.efficiency - 1.9) < 0.01)
        #expect(curve.r2 > 0.999)
        #expect(abs(curve.quantity(cq: cqs[4]) / (1e-5 * 1.01) - 1) < 0.05)
        // N0 = F(TD0) / E^TD0 with the mean efficiency: a decade apart within what the lower
        // efficiency costs (E^ΔCq = 1.847^3.59 ≈ 9.1 instead of 10).
        let ratio = analysis.results[0].n0 / analysis.results[3].n0
        #expect(abs(ratio / Foundation.pow(meanEfficiency, cqs[3] - cqs[0]) - 1) < 0.05)   // F(TD0) differs a little per curve
        #expect(ratio > 8.5 && ratio < 10.5)
    }

    @Test func aFlatCurveHasNoCqAndANegativeControlThatAmplifiesIsExcluded() throws {
        let flat = AmplificationCurve(well: "H1", target: "T1", sampleType: "unkn", fluorescence: (1...45).map { 800 + 3 * Foundation.sin(Double($0)) })
        let ntcAmplifying = AmplificationCurve(well: "H2", target: "T1", sampleType: "ntc", fluorescence: amplification(n0: 1e-9))
        let good = (0..<3).map { AmplificationCurve(well: "A\($0 + 1)", target: "T1", fluorescence: amplification(n0: 1e-5 * (1 + 0.1 * Double($0)))) }
        let analysis = try LinRegPCR().analyse([flat, ntcAmplifying] + good)
        let flatResult = analysis.results[0]
        #expect(!flatResult.amplification)
        #expect(flatResult.notes.contains("no amplification"))
        #expect(!flatResult.usedForMeanEfficiency)
        let ntc = analysis.results[1]
        #expect(ntc.amplification)
        #expect(ntc.exclusions == ["amplification in negative control"])
        #expect(!ntc.usedForMeanEfficiency)
        #expect(analysis.results[2...].allSatisfy { $0.usedForMeanEfficiency })
    }

    @Test func gapsAreFilledAndReported() throws {
        var curve = amplification(n0: 1e-5)
        curve[0] = nil; curve[10] = nil; curve[11] = nil; curve[44] = nil
        let (matrix, gaps) = try LinRegPCR.filledMatrix([AmplificationCurve(well: "B7", target: "T", fluorescence: curve),
                                                         AmplificationCurve(well: "B8", target: "T", fluorescence: [])])
        #expect(gaps == ["B7", "B8"])
        #expect(matrix[0][0] == curve[1]!)
        #expect(abs(matrix[0][10] - (curve[9]! + (curve[12]! - curve[9]!) / 3)) < 1e-9)
        #expect(abs(matrix[0][11] - (curve[9]! + 2 * (curve[12]! - curve[9]!) / 3)) < 1e-9)
        #expect(matrix[0][44] == curve[43]!)
        #expect(matrix[1].allSatisfy { $0 == matrix[0].min()! })           // a well with nothing: the run's lowest
        #expect(throws: PrecisError.self) { _ = try LinRegPCR().analyse([AmplificationCurve(well: "A1", target: "T", fluorescence: [nil, nil])]) }
    }

    @Test func baselineCorrectedInputIsShiftedAndWarned() throws {
        let curves = (0..<3).map { i in
            AmplificationCurve(well: "C\(i + 1)", target: "T", fluorescence: amplification(n0: 1e-5 * Double(i + 1), baseline: 0, noise: 5))
        }
        let analysis = try LinRegPCR().analyse(curves)
        #expect(analysis.warnings.contains { $0.contains("at or below zero") })
        #expect(analysis.results.allSatisfy { $0.amplification })
    }

    @Test func grubbsFindsTheOutlierOnlyWhenTheEfficienciesAreSkewed() {
        let values = [1.90, 1.91, 1.89, 1.90, 1.92, 1.91, 1.90, 1.89, 2.30]
        #expect(LinRegPCR.grubbsOutlier(values) == 8)
        #expect(LinRegPCR.grubbsOutlier([1.80, 1.85, 1.90, 1.95, 2.00]) == nil)   // symmetric
        #expect(LinRegPCR.grubbsOutlier([1.9, .nan, 2.3]) == nil)                // fewer than three
        #expect(LinRegPCR.grubbsOutlier([1.50, 1.90, 1.91, 1.89, 1.90, 1.92, 1.91, 1.90, 1.89]) == 0)
    }
}

@Suite struct QPCRMeasureTests {
    @Test func thresholdCycleIsExactOnAnExponential() throws {
        let curve = (1...30).map { 0.001 * Foundation.pow(2, Double($0)) }
        let cq = try #require(thresholdCycle(curve, threshold: 1))
        #expect(abs(cq - Foundation.log2(1000)) < 1e-9)
        #expect(thresholdCycle(curve, threshold: 1e12) == nil)
        // A single noisy spike through the threshold is not the crossing.
        var spiky = curve
        spiky[3] = 5
        let spikyCq = try #require(thresholdCycle(spiky, threshold: 1))
        #expect(abs(spikyCq - Foundation.log2(1000)) < 1e-9)
    }

    @Test func meltPeaksAreTheProductsMeltingTemperatures() throws {
        let t = stride(from: 60.0, through: 95.0, by: 0.25).map { $0 }
        let product = t.map { 8000 / (1 + Foundation.exp(($0 - 84.2) / 0.5)) }
        let dimer = t.map { 1500 / (1 + Foundation.exp(($0 - 74.6) / 0.6)) }
        let melt = try MeltCurve(temperatures: t.reversed(), fluorescence: zip(product, dimer).map { $0 + $1 + 300 }.reversed())
        #expect(melt.peaks.count == 2)
        #expect(abs(melt.peaks[0].temperature - 84.2) < 0.05)
        #expect(abs(melt.peaks[1].temperature - 74.6) < 0.1)
        #expect(melt.peaks[0].height > melt.peaks[1].height)
        #expect(throws: PrecisError.self) { _ = try MeltCurve(temperatures: [70, 71, 72], fluorescence: [3, 2, 1]) }
        // A negative control: a slowly falling baseline with reading noise has no product, so no Tm.
        var rng = SplitMix64(seed: 11)
        let noise = t.map { _ in 300 - 2 * Double(rng.next() % 1000) / 1000 * 20 }
        let empty = try MeltCurve(temperatures: t, fluorescence: zip(t, noise).map { 900 - 4 * ($0 - 60) + $1 - 300 })
        #expect(empty.peaks.isEmpty, "\(empty.peaks)")
    }

    @Test func standardCurveRefusesTooFewOrOneQuantity() {
        #expect(throws: PrecisError.self) { _ = try StandardCurve(quantities: [10, 100], cqs: [30, 26.6]) }
        #expect(throws: PrecisError.self) { _ = try StandardCurve(quantities: [10, 10, 10], cqs: [30, 30.1, 29.9]) }
        #expect(throws: PrecisError.self) { _ = try StandardCurve(quantities: [0, 10, 100], cqs: [34, 30, 26.6]) }
    }

    @Test func copiesFollowTheLimitingComponent() throws {
        // SYBR at 250 nM, 1.5 copies per dye molecule per amplicon base, 110 bp, 10 µl, ds DNA.
        let sybr = CopyNumberModel(chemistry: "non-saturating DNA binding dye", nCopyFactor: 1.5, dyeConcentration: 250,
                                   primerConcentration: 250, ampliconLength: 110, volume: 10, singleStranded: false)
        let limit = 1.5 * 250 * 6.02214076e23 * 1e-15 / 110 * 10
        #expect(abs(sybr.copiesAtLimit / limit - 1) < 1e-12)
        let copies = try #require(sybr.startingCopies(efficiency: 1.95, td0: 25))
        #expect(abs(copies / (limit / Foundation.pow(1.95, 25)) - 1) < 1e-12)
        #expect(sybr.startingCopies(efficiency: 2.5, td0: 25) == nil)
        var probe = sybr
        probe.chemistry = "hydrolysis probe"
        probe.nCopyFactor = 0.1
        probe.singleStranded = true
        #expect(abs(probe.copiesAtLimit / (2 * 0.1 * 250 * 6.02214076e23 * 1e-15 * 10) - 1) < 1e-12)
    }
}
