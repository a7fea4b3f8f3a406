import PrecisCore
import PrecisSignal

/// The rules a file must keep beyond its schema: things a schema cannot say.
enum AssayValidation {
    static let schemas = (assay: "precis.assay/1", lot: "precis.lot/1")

    static func check(_ assay: AssayDefinition, file: String) throws {
        func fail(_ what: String) -> PrecisError { PrecisError(.calibration, "\(file): \(what)") }
        guard assay.schema == schemas.assay else { throw fail("schema is '\(assay.schema)', expected \(schemas.assay)") }
        guard (0...4).contains(assay.decimals) else { throw fail("decimals must be 0 to 4") }
        switch assay.algorithm {
        case "lateral-flow-tc-ratio": break
        case "qpcr-standard-curve", "qpcr-qualitative": return try checkQPCR(assay, fail: fail)
        case "stripping-peak-current", "stripping-peak-charge": return try checkStripping(assay, fail: fail)
        case "sequencing-run-yield": return try checkSequencing(assay, fail: fail)
        case "baseline-corrected-absorbance": return try checkAbsorbance(assay, fail: fail)
        default: throw fail("unknown algorithm '\(assay.algorithm)'")
        }
        guard let scan = assay.scan, let method = assay.lateralFlow else {
            throw fail("a lateral-flow assay needs 'scan' and 'lateralFlow'")
        }
        guard scan.stepUM > 0, scan.endUM > scan.startUM, scan.endUM <= 65535 else {
            throw fail("scan range must run forward within 0–65535 µm with a positive step")
        }
        let span = ValueRange(low: Double(scan.startUM) / 1000, high: Double(scan.endUM) / 1000)
        for (name, window) in [("controlWindowMM", method.controlWindowMM), ("testWindowMM", method.testWindowMM)] {
            guard window.low < window.high, span.contains(window.low), span.contains(window.high) else {
                throw fail("\(name) must be an increasing range inside the scan (\(span.low)–\(span.high) mm)")
            }
        }
        do { try LateralFlowAnalyzer.check(method) } catch let error as PrecisError { throw fail(error.message) }
    }

    /// A qPCR assay: run on a cycler, two distinct dyes, cutoffs inside the cycles, and a standard
    /// curve's limits exactly when it reports quantities.
    static func checkQPCR(_ assay: AssayDefinition, fail: (String) -> PrecisError) throws {
        guard assay.family == "qpcr" else { throw fail("algorithm \(assay.algorithm) runs on the qpcr family, not \(assay.family)") }
        guard let method = assay.qpcr else { throw fail("a qPCR assay needs 'qpcr'") }
        guard method.target.dye != method.internalControl.dye else { throw fail("the target and the internal control need two dyes") }
        guard method.cqCutoff <= Double(method.cycles) else { throw fail("cqCutoff must not pass the \(method.cycles) cycles") }
        guard let icMax = method.internalControl.maxCq, icMax <= Double(method.cycles) else {
            throw fail("internalControl.maxCq must be given, within the \(method.cycles) cycles")
        }
        let quantitative = assay.algorithm == "qpcr-standard-curve"
        guard quantitative == (method.standardCurve != nil) else {
            throw fail(quantitative ? "a quantitative qPCR assay needs 'standardCurve'" : "a qualitative qPCR assay has no 'standardCurve'")
        }
        if let curve = method.standardCurve {
            guard curve.efficiency.low < curve.efficiency.high, curve.efficiency.low > 1 else {
                throw fail("standardCurve.efficiency must be an increasing range of factors above 1 (2.0 is 100 %)")
            }
        }
    }

    /// A stripping assay: on a potentiostat, a sweep that runs up from the deposition
    /// potential, and a peak window inside it.
    static func checkStripping(_ assay: AssayDefinition, fail: (String) -> PrecisError) throws {
        guard assay.family == "methodscript" else { throw fail("algorithm \(assay.algorithm) runs on the methodscript family, not \(assay.family)") }
        guard let v = assay.voltammetry else { throw fail("a stripping assay needs 'voltammetry'") }
        guard v.end > v.deposition else { throw fail("voltammetry.end must be above the deposition potential (an anodic sweep)") }
        guard v.peakWindow.low < v.peakWindow.high, v.peakWindow.low >= v.deposition, v.peakWindow.high <= v.end else {
            throw fail("voltammetry.peakWindow must be an increasing range inside the sweep")
        }
        guard v.step < v.end - v.deposition else { throw fail("voltammetry.step must be smaller than the sweep") }
        func need(_ value: Double?, _ name: String) throws {
            guard let value, value > 0 else { throw fail("a \(v.sweep.rawValue) stripping sweep needs voltammetry.\(name) above 0") }
        }
        switch v.sweep {
        case .swv: try need(v.amplitude, "amplitude"); try need(v.frequency, "frequency")
        case .dpv:
            try need(v.amplitude, "amplitude"); try need(v.rate, "rate"); try need(v.pulseTime, "pulseTime")
            guard let t = v.pulseTime, let r = v.rate, t < v.step / r else {
                throw fail("voltammetry.pulseTime must be shorter than the step interval step/rate")
            }
        case .lsv, .cv: try need(v.rate, "rate")
        }
    }

    /// A sequencing run's yield: on a sequencer, its codes outside LOINC (which has none for it),
    /// a translocation speed and an occupancy fraction.
    static func checkSequencing(_ assay: AssayDefinition, fail: (String) -> PrecisError) throws {
        guard assay.family == "nps" else { throw fail("algorithm \(assay.algorithm) runs on the nps family, not \(assay.family)") }
        guard let s = assay.sequencing else { throw fail("a sequencing assay needs 'sequencing'") }
        guard assay.loinc.system == Coding.sequencingSystem else { throw fail("a sequencing run's yield has no LOINC code: give loinc.system \(Coding.sequencingSystem)") }
        guard s.basesPerSecond > 0 else { throw fail("sequencing.basesPerSecond must be above 0") }
        guard (0...1).contains(s.minPoreOccupancy) else { throw fail("sequencing.minPoreOccupancy is a fraction, 0 to 1") }
    }

    static func check(_ lot: CalibrationLot, for assay: AssayDefinition, file: String) throws {
        func fail(_ what: String) -> PrecisError { PrecisError(.calibration, "\(file): \(what)") }
        guard lot.schema == schemas.lot else { throw fail("schema is '\(lot.schema)', expected \(schemas.lot)") }
        guard lot.assay == assay.id else { throw fail("the lot is for assay '\(lot.assay)', not '\(assay.id)'") }
        guard lot.version >= 1 else { throw fail("version must be 1 or more") }
        guard lot.manufactured <= lot.expiry else { throw fail("expiry is before the manufacturing date") }
        let range = lot.measuringRange
        guard range.low >= 0, range.low < range.high else { throw fail("measuringRange must have 0 ≤ low < high") }
        guard lot.limitOfDetection >= 0, lot.limitOfDetection <= range.low else {
            throw fail("limitOfDetection must lie between 0 and the measuring range's low end")
        }
        let expected = ["lateral-flow-tc-ratio": "tc-ratio", "qpcr-standard-curve": "copies-per-reaction",
                        "qpcr-qualitative": "presence", "stripping-peak-current": "peak-current-nA",
                        "stripping-peak-charge": "peak-charge-nC",
                        "baseline-corrected-absorbance": "corrected-absorbance"][assay.algorithm]
        guard lot.response == expected else {
            throw fail("response is '\(lot.response)'; assay \(assay.id) (\(assay.algorithm)) reads '\(expected ?? "?")'")
        }
        // A qualitative lot converts nothing: its curve must be the identity (README, Calibration).
        if lot.response == "presence", lot.model != .linear(slope: 1, intercept: 0) {
            throw fail("a qualitative lot's model must be linear with slope 1 and intercept 0")
        }
        let parameters = lot.model.parameters.map(\.value)
        guard parameters.allSatisfy(\.isFinite) else { throw fail("model parameters must be finite numbers") }
        for x in [range.low, range.high] {
            let y = lot.model.response(at: x)
            guard let back = lot.model.inverse(of: y), abs(back - x) <= 1e-6 * max(1, x) else {
                throw fail("the \(lot.model.typeName) curve cannot be inverted at \(x) \(assay.unit.ucum)")
            }
        }
        if lot.response == "corrected-absorbance" { try checkAbsorbance(lot, for: assay, fail: fail) }
    }
}
