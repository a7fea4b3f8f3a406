import Foundation
import PrecisCore
import PrecisDrivers
import PrecisReplay
import PrecisSignal
import PrecisStore

extension RunKind {
    /// A spectrometer's absorbance measurement of one sample (dark, blank, sample).
    public static let absorbance = RunKind("absorbance")
}

extension RawDataKind {
    /// An absorbance run's dark, reference and sample spectra over wavelength (CSV).
    public static let spectra = RawDataKind("spectra")
}

/// One band of an absorbance reading as the result keeps it.
public struct AbsorbanceBandSummary: Sendable, Codable, Equatable {
    /// The band, nm.
    public var lowNM: Double, highNM: Double
    /// Its mean absorbance, AU; nil when it could not be read (`status`).
    public var absorbance: Double?
    /// `valid`, `saturated`, `no-reference` or `opaque`.
    public var status: String
    /// The pixels the mean used.
    public var firstPixel: Int, lastPixel: Int

    init(_ band: BandAbsorbance) {
        lowNM = band.band.low
        highNM = band.band.high
        absorbance = band.absorbance
        status = band.status.rawValue
        firstPixel = band.firstPixel
        lastPixel = band.lastPixel
    }
}

/// What an absorbance result keeps of how it was made: the method, both bands and A_corr,
/// the spectrometer and the lot.
public struct StoredAbsorbanceAnalysis: Sendable, Codable, Equatable {
    public var method: AbsorbanceMethod
    public var analytical: AbsorbanceBandSummary
    public var baseline: AbsorbanceBandSummary
    /// A_corr = Ā(analytical) − Ā(baseline), AU; nil when a band could not be read.
    public var corrected: Double?
    /// The spectrometer's model (device.json's name).
    public var spectrometer: String
    /// Pixels at the detector's maximum in the dark, the reference or the sample.
    public var saturatedPixels: Int
    public var lot: LotSummary
    /// The lot's line (concentration → A_corr).
    public var model: CalibrationModel
}

/// An absorbance run's spectra and the absorbance recomputed from them, for drawing: what
/// `results show` plots and `--json` and the kiosk's result carry.
public struct AbsorbanceDetail: Sendable, Codable, Equatable {
    /// Each pixel's wavelength, nm.
    public var wavelengthsNM: [Double]
    /// The raw spectra, counts per pixel (absent when not taken: an aborted run).
    public var dark: [Double]?, reference: [Double]?, sample: [Double]?
    /// The detector's maximum count.
    public var maxCount: Double
    /// The sample's absorbance per pixel (smoothed as the method says; nil where unreadable).
    public var absorbance: [Double?]
    /// The assay's wavelengths and bands, nm.
    public var analyticalNM: Double, baselineNM: Double, bandHalfWidthNM: Double
    /// The reading, as stored with the result.
    public var analysis: StoredAbsorbanceAnalysis?
}

/// The three steps of an absorbance reading, in order, and what is in the light path for each.
enum AbsorbanceStep: String, CaseIterable {
    case dark, blank, sample

    /// The spectrum the step takes.
    var role: String { self == .blank ? "reference" : rawValue }

    /// What the simulated operator puts in the light path.
    var scene: OBPSpectrumSource.Scene {
        switch self {
        case .dark: .dark
        case .blank: .reference
        case .sample: .sample
        }
    }

    /// The step as the operator is asked.
    var step: OperatorStep {
        let text = switch self {
        case .dark: "Close the light path (the holder's shutter, or the lamp off) for the dark spectrum"
        case .blank: "Put the blank (an empty, clean cuvette) in the holder"
        case .sample: "Put the filled sample cuvette in the holder"
        }
        return OperatorStep(id: rawValue, instruction: text, number: Self.allCases.firstIndex(of: self)! + 1, of: Self.allCases.count)
    }
}

extension Runtime {
    /// An absorbance assay on an Ocean spectrometer: the integration time and scans the method
    /// names set, the device's wavelength calibration read, then for each step (dark, blank,
    /// sample) the operator asked and the spectrum taken; the reading (`AbsorbanceQuantifier`:
    /// A = −log10((S − D)/(R − D)), the band means, A_corr) read off the lot's line; the spectra
    /// (CSV), the result and its outbox entries stored in one transaction. A reading with no
    /// number (a saturated detector, a dark blank, an opaque sample) is stored INVALID with
    /// why; a session that fails half way ABORTED with the spectra taken.
    func runAbsorbanceAssay(_ request: RunRequest, assay: AssayDefinition, sample: String, patient: String?,
                            events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        guard let method = assay.absorbance else { throw PrecisError(.calibration, "assay \(assay.id) has no absorbance method") }
        guard let lotNumber = request.lot else {
            throw PrecisError(.input, "an absorbance assay needs the reagent lot", hint: "give --lot LOT (Calibration/lots/LOT.json)")
        }
        let loaded = try catalog.lot(lotNumber, for: assay, today: Self.calendarDate(clock()))
        let address = try DeviceAddress(request.device)
        let opened = try Instruments.open(address, family: OBPDriver.family, recording: request.recording, files: files)
        defer { opened.stopWatching() }
        guard let name = opened.model, let model = OBPModel.named(name) else {
            throw PrecisError(.input, "\(address) does not say which Ocean spectrometer it is (\(opened.model ?? "no model"))",
                              hint: "record sessions with this version of Precis, which writes the model into the trace")
        }
        let operatorStep = try await operatorSteps(for: address, opened: opened, request: request)
        let driver = OBPDriver(transport: opened.transport, model: model)
        return try await closing(driver) {
            let identity = try await driver.identify()
            let context = try begin(request, kind: .absorbance, assay: assay, sample: sample, patient: patient, lot: loaded,
                                    identity: identity, endpoint: address.description, training: address.scheme.isTraining,
                                    events: events)
            return try await readAbsorbance(context, method: method, model: model, driver: driver, operatorStep: operatorStep,
                                            events: events)
        }
    }

    /// Who carries out the steps: a simulator's own operator (who may be absent: then nobody
    /// acts within the wait, and the run stops), nobody for a replayed session (the recorded
    /// spectra already hold what was in the light path), the request's `operatorSteps` for a
    /// real spectrometer, refused before the run begins when there is none.
    private func operatorSteps(for address: DeviceAddress, opened: OpenedInstrument, request: RunRequest) async throws
        -> @Sendable (AbsorbanceStep) async throws -> Void {
        let wait = request.cartridgeWait
        switch address.scheme {
        case .sim:
            guard let simulator = opened.device as? SimulatedOBP else { throw PrecisError(.input, "\(address) is not a spectrometer") }
            if await simulator.operatorAtHost {
                let confirm = try confirmer(address, request)
                return { step in
                    try await confirm(step.step)
                    _ = await simulator.operatorPlaces(step.scene)
                }
            }
            return { step in
                guard await simulator.operatorPlaces(step.scene) else {
                    try await Task.sleep(for: wait)
                    throw PrecisError(.timeout, "nobody carried out step \(step.step.number) (\(step.step.instruction)) within \(wait)",
                                      hint: "start the run again when someone is at the spectrometer")
                }
            }
        case .replay:
            return { _ in }
        case .usb:
            let confirm = try confirmer(address, request)
            return { step in try await confirm(step.step) }
        }
    }

    /// The request's operator, who confirms each step; refused when there is none.
    private func confirmer(_ address: DeviceAddress, _ request: RunRequest) throws -> @Sendable (OperatorStep) async throws -> Void {
        guard let confirm = request.operatorSteps else {
            throw PrecisError(.input, "an absorbance run needs someone at \(address) to close the light path and change the cuvettes",
                              hint: "run it from `precis run` at the bench or the kiosk's page, which ask for each step")
        }
        return confirm
    }

    private func readAbsorbance(_ context: RunContext, method: AbsorbanceMethod, model: OBPModel, driver: OBPDriver,
                                operatorStep: @Sendable (AbsorbanceStep) async throws -> Void,
                                events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        var taken: [AbsorbanceStep: OBPSpectrum] = [:]
        var wavelengths: [Double] = []
        let steps = AbsorbanceStep.allCases
        do {
            try await driver.setIntegrationTime(microseconds: method.integrationUS)
            try await driver.setScansToAverage(method.scansToAverage)
            wavelengths = try await driver.wavelengths()
            for step in steps {
                events(.step(step.step))
                try await operatorStep(step)
                let spectrum = try await driver.spectrum()
                taken[step] = spectrum
                events(.spectrum(SpectrumTaken(role: step.role, wavelengthsNM: wavelengths, counts: spectrum.counts.map(Double.init),
                                               maxCount: Double(model.maxCount))))
                events(.progress(received: taken.count, total: steps.count))
            }
        } catch {
            let failure = error is CancellationError
                ? PrecisError(.other, "the run was interrupted before the sample was read", hint: "repeat the run")
                : error.asPrecisError
            let raw = taken.isEmpty ? [] : [Self.spectraCSV(wavelengths, taken, model: model, complete: false)]
            try store.abortRun(context.record.id, error: failure, partial: raw, linkReport: nil, at: clock(), actor: context.operatorID)
            logger.error("run \(context.record.id) aborted: \(failure.message)")
            return report(context, status: .aborted, raw: RawSummary(readings: taken.count, expected: steps.count, complete: false),
                          link: nil, error: failure)
        }
        events(.analysing)
        let reading = Self.reading(wavelengths, taken, model: model)
        let interpretation = try AbsorbanceQuantifier.interpret(reading, assay: context.assay, lot: context.lot.lot)
        let quantitation = interpretation.quantitation
        let unreadable = quantitation.concentration == nil
        let saturated = Set(taken.values.flatMap(\.saturatedPixels)).count
        let stored = StoredAbsorbanceAnalysis(
            method: method, analytical: AbsorbanceBandSummary(interpretation.reading.analytical),
            baseline: AbsorbanceBandSummary(interpretation.reading.baseline), corrected: interpretation.reading.corrected,
            spectrometer: model.name, saturatedPixels: saturated, lot: context.lotSummary, model: context.lot.lot.model)
        let assay = context.assay
        let newResult = NewResult(
            status: unreadable ? .invalid : .final, analyte: assay.analyte, loinc: assay.loinc,
            concentration: quantitation.concentration, unit: assay.unit.ucum, decimals: assay.decimals, flags: quantitation.flags,
            response: interpretation.reading.corrected, analysisJSON: Self.json(stored) ?? "{}",
            referenceRange: assay.referenceRange?.text,
            reason: unreadable ? quantitation.flags.map(\.explanation).joined(separator: "; ") : nil,
            method: "Bichromatic absorbance, \(Format.number(method.analyticalNM, decimals: 0)) nm less "
                + "\(Format.number(method.baselineNM, decimals: 0)) nm (spectrophotometry)",
            rawDataIndex: 0, specimen: assay.specimen)
        let completed = try store.completeRun(context.record.id, raw: [Self.spectraCSV(wavelengths, taken, model: model, complete: true)],
                                              results: [newResult], destinations: context.qc == nil ? destinations : [],
                                              linkReport: nil, at: clock(), actor: context.operatorID)
        var report = report(context, status: unreadable ? .invalid : .completed,
                            raw: RawSummary(readings: steps.count, expected: steps.count, complete: true), link: nil, error: nil)
        report.kind = RunKind.absorbance.rawValue
        report.resultId = completed.first?.result.id
        report.flags = quantitation.flags.map(\.rawValue)
        report.interpretation = quantitation.flags.map(\.explanation)
        report.referenceRange = assay.referenceRange?.text
        report.absorbance = interpretation.reading.corrected
        if let c = quantitation.concentration {
            report.concentration = Format.rounded(c, decimals: assay.decimals)
            report.display = Format.concentration(c, decimals: assay.decimals, shownIn: assay.unit)
        }
        report.outbox = completed.first?.outbox.map(OutboxSummary.init) ?? []
        if let qc = context.qc {
            guard let value = quantitation.concentration, value.comparator == nil else {
                throw PrecisError(.qualityControl, "the QC run gave no number (\(report.display ?? "invalid")): the control was not recorded",
                                  hint: "repeat the control with a new cuvette")
            }
            report.qc = try recordQC(assay: assay.id, instrumentID: context.identity.instrumentID, materialLot: qc.materialLot,
                                     values: [qc.level: value.value], runID: context.record.id, operatorID: context.operatorID)
        }
        return report
    }

    /// The spectra taken as an `AbsorbanceReading`. On a model with electric-dark pixels (Ocean
    /// ST, SR2, QE Pro) the blank's and the sample's offsets are moved to the dark spectrum's
    /// (`OBPSpectrum.counts(electricDarkAt:)`), so that a detector offset that drifted while the
    /// cuvettes were changed does not read as absorbance (Ocean's "electric dark correction").
    static func reading(_ wavelengths: [Double], _ taken: [AbsorbanceStep: OBPSpectrum], model: OBPModel) -> AbsorbanceReading {
        let level = taken[.dark]?.electricDark
        func raw(_ step: AbsorbanceStep) -> RawSpectrum {
            let s = taken[step]!
            return RawSpectrum(counts: s.counts(electricDarkAt: level), integrationUS: s.integrationMicroseconds,
                               scansAveraged: s.scansAveraged)
        }
        return AbsorbanceReading(wavelengthsNM: wavelengths, maxCount: Double(model.maxCount), dark: raw(.dark),
                                 reference: raw(.blank), sample: raw(.sample))
    }

    /// The spectra as raw data: `wavelength_nm,dark,reference,sample`, one line per pixel (a
    /// spectrum not taken is empty), and in the summary how they were taken.
    static func spectraCSV(_ wavelengths: [Double], _ taken: [AbsorbanceStep: OBPSpectrum], model: OBPModel,
                           complete: Bool) -> NewRawData {
        var text = "wavelength_nm,dark,reference,sample\n"
        let columns = AbsorbanceStep.allCases.map { taken[$0]?.counts }
        for (pixel, nm) in wavelengths.enumerated() {
            text += ([String(nm)] + columns.map { $0.map { String($0[pixel]) } ?? "" }).joined(separator: ",") + "\n"
        }
        let first = taken.values.first
        let summary: [String: String] = [
            "spectrometer": model.name, "pixels": String(model.pixels), "maxCount": String(model.maxCount),
            "integrationUS": first.map { String($0.integrationMicroseconds) } ?? "", "scansAveraged": first.map { String($0.scansAveraged) } ?? "",
            "spectra": AbsorbanceStep.allCases.filter { taken[$0] != nil }.map(\.role).joined(separator: ","),
        ]
        return NewRawData(kind: .spectra, mediaType: "text/csv", bytes: Data(text.utf8), complete: complete,
                          summaryJSON: json(summary) ?? "{}")
    }

    /// An absorbance run's detail: its stored spectra and the absorbance recomputed from them
    /// with the stored method (as a strip's curves are).
    func absorbanceDetail(runID: Int64, result: ResultRecord?) throws -> AbsorbanceDetail? {
        let stored = result.flatMap { try? JSONDecoder().decode(StoredAbsorbanceAnalysis.self, from: Data($0.analysisJSON.utf8)) }
        guard let raw = try store.rawData(forRun: runID).first(where: { $0.kind == .spectra }),
              let bytes = try store.rawDataContent(raw.id) else { return nil }
        var wavelengths: [Double] = []
        var columns: [[Double]] = [[], [], []]
        var present = [true, true, true]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count == 4, let nm = Double(cells[0]) else { continue }
            wavelengths.append(nm)
            for i in 0..<3 {
                if let v = Double(cells[i + 1]) { columns[i].append(v) } else { present[i] = false }
            }
        }
        let summary = (try? JSONSerialization.jsonObject(with: Data(raw.summaryJSON.utf8))) as? [String: String] ?? [:]
        let maxCount = summary["maxCount"].flatMap(Double.init) ?? 65_535
        let assay = try? catalog.assay(try store.run(runID)?.assay ?? "")
        guard let method = stored?.method ?? assay?.absorbance else { return nil }
        let spectra = (0..<3).map { present[$0] && columns[$0].count == wavelengths.count ? columns[$0] : nil }
        var absorbance = [Double?](repeating: nil, count: wavelengths.count)
        // The reading as the run made it: the stored counts, their electric dark corrected (`reading`).
        let darkPixels = summary["spectrometer"].flatMap(OBPModel.named)?.darkPixels ?? []
        var taken: [AbsorbanceStep: OBPSpectrum] = [:]
        for (step, column) in zip(AbsorbanceStep.allCases, spectra) {
            guard let column else { continue }
            taken[step] = OBPSpectrum(counts: column.map { UInt32(clamping: Int($0.rounded())) }, maxCount: UInt32(maxCount),
                                      integrationMicroseconds: method.integrationUS, scansAveraged: method.scansToAverage,
                                      darkPixels: darkPixels)
        }
        if taken.count == 3, let model = summary["spectrometer"].flatMap(OBPModel.named) {
            let reading = Self.reading(wavelengths, taken, model: model)
            if let spectrum = try? Absorbance.spectrum(wavelengthsNM: wavelengths, dark: reading.dark.counts,
                                                       reference: reading.reference.counts, sample: reading.sample.counts,
                                                       maxCount: maxCount, boxcarHalfWidth: method.boxcarHalfWidth,
                                                       minimumReference: method.minReferenceFraction * maxCount) {
                absorbance = spectrum.absorbance
            }
        }
        return AbsorbanceDetail(wavelengthsNM: wavelengths, dark: spectra[0], reference: spectra[1], sample: spectra[2],
                                maxCount: maxCount, absorbance: absorbance, analyticalNM: method.analyticalNM,
                                baselineNM: method.baselineNM, bandHalfWidthNM: method.bandHalfWidthNM, analysis: stored)
    }
}
