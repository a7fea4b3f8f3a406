import Foundation
import PrecisCore
import PrecisFormats

/// One of the plate's controls, judged.
public struct PlateControlCheck: Sendable, Codable, Equatable {
    /// `standard curve`, `no-template control`, `positive control`.
    public var control: String
    public var wells: [String]
    public var passed: Bool
    /// What was found, for people: `NTC H12 amplified (Cq 31.20)`.
    public var detail: String
}

/// Whether a plate's results may be released: every control must pass.
public struct PlateVerdict: Sendable, Codable, Equatable {
    public var valid: Bool
    public var checks: [PlateControlCheck]
    /// The target's standard curve (quantitative assays).
    public var curve: QPCRStandardCurve?

    /// The failed checks, one line each.
    public var failures: [String] { checks.filter { !$0.passed }.map { "\($0.control): \($0.detail)" } }
}

/// A patient sample's call from its wells.
public struct QPCRSampleCall: Sendable, Codable, Equatable {
    public var sample: String
    public var patient: String?
    /// The target's wells and the internal control's.
    public var wells: [String]
    /// FINAL or INVALID.
    public var status: ResultStatus
    public var concentration: Concentration?
    public var coded: CodedValue?
    public var flags: [ResultFlag]
    public var reason: String?
    /// The target's Cq in each replicate (nil: no amplification), in well order.
    public var targetCqs: [Double?]
    public var meanCq: Double?
    public var cqSD: Double?
    /// Copies per reaction from the standard curve at `meanCq` (quantitative assays).
    public var copiesPerReaction: Double?
    /// The internal control's Cq in each replicate.
    public var internalControlCqs: [Double?]
}

/// Turns an analysed plate into results, the way a clinical qPCR assay's instructions do:
/// the plate's controls first (standard curve efficiency and R², a clean no-template control,
/// the positive control within its QC material's mean ± 3 SD), then each patient sample from
/// its replicate wells (combined by their mean Cq, their spread checked, the internal control
/// required when the target is not detected). A failed control makes every patient result of
/// the plate INVALID — stored and sent as such, never as a value.
///
/// Cq is LinRegPCR's TD0, the second-derivative maximum (`QPCRAnalysis`); a Cq later than the
/// assay's cutoff is not a detection.
public enum QPCRInterpretation {
    public static func interpret(_ analysis: QPCRAnalysisReport, layout: PlateLayout, assay: AssayDefinition,
                                 lot: CalibrationLot, positiveControl: QCMaterial.Level) throws -> (PlateVerdict, [QPCRSampleCall]) {
        guard let method = assay.qpcr else { throw PrecisError(.calibration, "assay \(assay.id) has no qpcr method") }
        let quantitative = method.standardCurve != nil
        let target = analysis.wells.filter { $0.target == method.target.name }
        let control = analysis.wells.filter { $0.target == method.internalControl.name }
        // A detection is an amplification with a Cq within the cutoff, whether or not LinRegPCR
        // left the curve out of the mean efficiency (a late positive has no plateau yet).
        func detected(_ w: QPCRWellResult) -> Double? {
            guard w.amplification, let cq = w.cq, cq <= method.cqCutoff else { return nil }
            return cq
        }
        var checks: [PlateControlCheck] = []
        var curve: QPCRStandardCurve?

        if let limits = method.standardCurve {
            let standards = target.filter { $0.sampleType == "std" }
            if let found = analysis.standardCurves.first(where: { $0.target == method.target.name }) {
                curve = found
                var problems: [String] = []
                if found.standards < limits.minStandards { problems.append("\(found.standards) standards with a Cq, fewer than \(limits.minStandards)") }
                if !limits.efficiency.contains(found.efficiency) {
                    problems.append(String(format: "efficiency %.3f outside %.2f–%.2f", found.efficiency, limits.efficiency.low, limits.efficiency.high))
                }
                if found.r2 < limits.minR2 { problems.append(String(format: "R² %.4f below %.2f", found.r2, limits.minR2)) }
                let summary = String(format: "slope %.3f, efficiency %.3f, R² %.4f from %d standards", found.slope, found.efficiency, found.r2, found.standards)
                checks.append(PlateControlCheck(control: "standard curve", wells: standards.map(\.well), passed: problems.isEmpty,
                                                detail: problems.isEmpty ? summary : problems.joined(separator: "; ") + " (\(summary))"))
            } else {
                checks.append(PlateControlCheck(control: "standard curve", wells: standards.map(\.well), passed: false,
                                                detail: "no standard curve: fewer than 3 standards of known quantity gave a Cq"))
            }
        }

        let ntc = target.filter { $0.sampleType == "ntc" }
        let contaminated = ntc.compactMap { w in detected(w).map { (w.well, $0) } }
        checks.append(PlateControlCheck(
            control: "no-template control", wells: ntc.map(\.well), passed: !ntc.isEmpty && contaminated.isEmpty,
            detail: ntc.isEmpty ? "no NTC well on the plate"
                : contaminated.isEmpty ? "\(ntc.count) NTC well\(ntc.count == 1 ? "" : "s") without amplification"
                : contaminated.map { "NTC \($0.0) amplified (Cq \(String(format: "%.2f", $0.1)))" }.joined(separator: ", ")))

        let positives = target.filter { $0.sampleType == "pos" }
        let low = positiveControl.mean - 3 * positiveControl.sd, high = positiveControl.mean + 3 * positiveControl.sd
        let positiveCqs = positives.map(detected)
        func positive(_ passed: Bool, _ detail: String) {
            checks.append(PlateControlCheck(control: "positive control", wells: positives.map(\.well), passed: passed, detail: detail))
        }
        if positives.isEmpty || positiveCqs.contains(where: { $0 == nil }) {
            positive(false, positives.isEmpty ? "no positive control on the plate" : "the positive control did not amplify")
        } else if quantitative && curve == nil {
            positive(false, "the positive control cannot be quantified without a standard curve")
        } else {
            let meanCq = mean(positiveCqs.compactMap { $0 })
            let measured: Double, text: String
            if let curve {
                let perML = lot.model.inverse(of: quantity(curve, cq: meanCq)) ?? 0
                measured = perML > 0 ? log10(perML) : -.infinity
                text = String(format: "log10 %.2f copies/mL", measured)
            } else {
                measured = meanCq
                text = String(format: "Cq %.2f", meanCq)
            }
            positive(measured >= low && measured <= high, "\(text), expected \(String(format: "%.2f–%.2f", low, high)) (mean ± 3 SD)")
        }
        let verdict = PlateVerdict(valid: checks.allSatisfy(\.passed), checks: checks, curve: curve)

        var calls: [QPCRSampleCall] = []
        let unknowns = target.filter { $0.sampleType == "unkn" }
        var order: [String] = []
        for w in unknowns where !order.contains(w.sample) { order.append(w.sample) }
        for sample in order {
            let wells = unknowns.filter { $0.sample == sample }.sorted { $0.well < $1.well }
            let ic = control.filter { $0.sample == sample && $0.sampleType == "unkn" }.sorted { $0.well < $1.well }
            let cqs = wells.map(detected)
            let icCqs = ic.map { w -> Double? in
                guard w.amplification, let cq = w.cq, cq <= (method.internalControl.maxCq ?? method.cqCutoff) else { return nil }
                return cq
            }
            let patient = layout.wells.values.first { $0.sample == sample }?.patient
            var call = QPCRSampleCall(sample: sample, patient: patient, wells: wells.map(\.well), status: .invalid,
                                      concentration: nil, coded: nil, flags: [], reason: nil, targetCqs: cqs, meanCq: nil,
                                      cqSD: nil, copiesPerReaction: nil, internalControlCqs: icCqs)
            defer { calls.append(call) }
            guard verdict.valid else {
                call.flags = [.plateControlFailed]
                call.reason = "the plate's controls failed, no result is released: " + verdict.failures.joined(separator: "; ")
                continue
            }
            let found = cqs.compactMap { $0 }
            if found.isEmpty {
                guard !icCqs.isEmpty, icCqs.allSatisfy({ $0 != nil }) else {
                    call.flags = [.internalControlFailed]
                    call.reason = "the target was not detected and the internal control failed"
                        + " (\(method.internalControl.name) Cq \(icCqs.map { $0.map { String(format: "%.2f", $0) } ?? "none" }.joined(separator: ", ")))"
                        + ": extract the sample again"
                    continue
                }
                call.status = .final
                if quantitative {
                    call.concentration = Concentration(value: lot.limitOfDetection, comparator: "<", unit: assay.unit.ucum)
                    call.flags = [.belowLimitOfDetection]
                } else {
                    call.coded = .notDetected
                }
                continue
            }
            guard found.count == cqs.count else {
                call.flags = [.replicateSpread]
                call.reason = "the replicates disagree: \(found.count) of \(cqs.count) wells amplified; repeat the sample"
                continue
            }
            call.meanCq = mean(found)
            if found.count > 1 {
                let sd = standardDeviation(found)
                call.cqSD = sd
                guard sd <= method.replicates.maxCqSD else {
                    call.flags = [.replicateSpread]
                    call.reason = String(format: "the replicates' Cq spread (SD %.2f cycles) is above %.2f; repeat the sample",
                                         sd, method.replicates.maxCqSD)
                    continue
                }
            }
            call.status = .final
            guard quantitative, let curve else {
                call.coded = .detected
                continue
            }
            let copies = quantity(curve, cq: call.meanCq!)
            call.copiesPerReaction = copies
            let perML = lot.model.inverse(of: copies) ?? 0
            if perML > lot.measuringRange.high {
                call.concentration = Concentration(value: lot.measuringRange.high, comparator: ">", unit: assay.unit.ucum)
                call.flags = [.aboveMeasuringRange]
            } else if perML < lot.measuringRange.low {
                // Detected, but below the lowest quantity the lot is validated for.
                call.concentration = Concentration(value: lot.measuringRange.low, comparator: "<", unit: assay.unit.ucum)
                call.flags = [.belowMeasuringRange]
            } else {
                call.concentration = Concentration(value: perML, unit: assay.unit.ucum)
            }
        }
        return (verdict, calls)
    }

    /// Copies per reaction at `cq` on the curve `cq = intercept + slope · log10(quantity)`.
    static func quantity(_ curve: QPCRStandardCurve, cq: Double) -> Double { pow(10, (cq - curve.intercept) / curve.slope) }

    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

    /// The sample standard deviation (n − 1).
    static func standardDeviation(_ x: [Double]) -> Double {
        let m = mean(x)
        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
    }
}
