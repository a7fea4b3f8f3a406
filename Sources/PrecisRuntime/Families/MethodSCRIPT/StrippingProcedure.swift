import Foundation
import PrecisCore
import PrecisDrivers
import PrecisSignal
import PrecisStore

/// What a stripping result keeps of how it was made: the method, the technique the script
/// ran, the peak found in the window (nil: none), every peak of the sweep, and the lot.
public struct StoredStrippingAnalysis: Sendable, Codable, Equatable {
    public var method: StrippingVoltammetryMethod
    /// The technique of the script Precis sent, which the curve was analysed as (nil in
    /// results stored before it was kept: square wave).
    public var technique: MethodSCRIPTAnalysisOptions.Technique?
    /// Where the peaks' bounds were put: PSTrace's (`vendor`, since it was kept) or Precis's
    /// valleys (nil: results stored before, whose bounds were the valleys).
    public var bounds: MethodSCRIPTAnalysisOptions.Bounds? = nil
    public var peak: VoltammetricPeakSummary?
    public var peaks: [VoltammetricPeakSummary]
    /// The peak's height, nA (0 without a peak): the response of a `stripping-peak-current` assay.
    public var peakCurrentNA: Double
    /// The charge under the peak, nC (its corrected area over the scan rate; 0 without a peak): the
    /// response of a `stripping-peak-charge` assay (nil in results stored before it was kept).
    public var peakChargeNC: Double?
    public var lot: LotSummary
    /// A cyclic sweep's cycles (Epa, Epc, ipa, ipc, ΔEp, E½, ipa/ipc); nil for a linear one.
    public var cycles: [CyclicVoltammetrySummary]?
}

/// One peak of a voltammogram; heights and areas are magnitudes in the direction of the peak.
public struct VoltammetricPeakSummary: Sendable, Codable, Equatable {
    /// Potential of the maximum of the baseline-corrected current, V.
    public var potential: Double
    /// Height over the baseline at `potential`, A.
    public var height: Double
    /// Area between curve and baseline from `startPotential` to `endPotential`, A·V.
    public var area: Double
    /// Where the baseline touches the curve before the peak, V.
    public var startPotential: Double
    /// Where the baseline touches the curve after the peak, V.
    public var endPotential: Double
    /// The baseline current under the peak at `potential`, A (signed, as measured).
    public var baselineCurrent: Double
    /// The measured current at the apex, A (nil in results stored before it was kept).
    public var current: Double?
    /// The baseline current at `startPotential` and at `endPotential`, A.
    public var startBaseline: Double?, endBaseline: Double?
    /// Full width at half height, V (nil: the peak does not fall to half height inside its bounds).
    public var width: Double?
    /// An edge maximum (a start transient or a rise cut by the sweep's end), reported only when asked for.
    public var edge: Bool?
    /// Split from a neighbour at a valley above a fifth of the smaller peak: its area is the
    /// vendor's valley split, not promised within 1 % (nil when resolved, or stored before it was kept).
    public var unresolved: Bool?
    /// The sweep's direction (`anodic`: towards higher potentials, `cathodic`: lower) and cycle
    /// (1-based; a cyclic scan's), when the analysis knows them.
    public var direction: String?, cycle: Int?
    /// The charge under the peak, C: the area over the sweep's scan rate, when it is known.
    public var charge: Double?

    init(_ peak: VoltammetricPeak) {
        potential = peak.potential
        height = peak.height
        area = peak.area
        startPotential = peak.startPotential
        endPotential = peak.endPotential
        baselineCurrent = peak.baselineCurrent
        current = peak.current
        startBaseline = peak.startBaseline
        endBaseline = peak.endBaseline
        width = peak.width
        edge = peak.edge
        unresolved = peak.unresolved ? true : nil
    }
}

extension Runtime {
    /// An electrochemical assay on a MethodSCRIPT potentiostat: the assay's stripping script
    /// (deposition held at the start potential, then the anodic sweep of its technique: SWV,
    /// DPV, LSV or CV) is sent over the serial transport, its data packages arrive as events,
    /// the curve is analysed as the technique of the script that was sent (`voltammetricPeaks`),
    /// the stripping peak in the assay's window is found (an anodic sweep's, bounded as PSTrace bounds it) and its
    /// charge (the corrected area over the scan rate; its height for a `stripping-peak-current`
    /// assay) read off the lot's curve; the voltammogram (CSV: potential, net, forward and
    /// reverse current), the result and its outbox entries are stored in one transaction. A
    /// script that fails half way is stored ABORTED with the points that arrived.
    func runStrippingAssay(_ request: RunRequest, assay: AssayDefinition, sample: String, patient: String?,
                           events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        guard let method = assay.voltammetry else { throw PrecisError(.calibration, "assay \(assay.id) has no voltammetry method") }
        guard let lotNumber = request.lot else {
            throw PrecisError(.input, "an electrochemical assay needs the sensor lot", hint: "give --lot LOT (Calibration/lots/LOT.json)")
        }
        let loaded = try catalog.lot(lotNumber, for: assay, today: Self.calendarDate(clock()))
        let address = try DeviceAddress(request.device)
        let opened = try Instruments.open(address, family: MethodSCRIPTDriver.family, recording: request.recording, files: files)
        defer { opened.stopWatching() }
        let driver = MethodSCRIPTDriver(transport: opened.transport)
        return try await closing(driver) {
            try await runStripping(request, assay: assay, method: method, sample: sample, patient: patient, lot: loaded,
                                   driver: driver, endpoint: address.description, training: address.scheme.isTraining, events: events)
        }
    }

    private func runStripping(_ request: RunRequest, assay: AssayDefinition, method: StrippingVoltammetryMethod, sample: String,
                              patient: String?, lot loaded: LoadedLot, driver: MethodSCRIPTDriver, endpoint: String, training: Bool,
                              events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        let identity = try await driver.identify()
        let context = try begin(request, kind: .voltammetry, assay: assay, sample: sample, patient: patient, lot: loaded,
                                identity: identity, endpoint: endpoint, training: training, events: events)
        let record = context.record, lotSummary = context.lotSummary
        var settings = MethodSCRIPTCellSettings()
        settings.equilibrationTime = method.depositionSeconds
        let script = try Self.strippingScript(method)
        let steps = Int(((method.end - method.deposition) / method.step).rounded())
        let total = method.sweep == .cv ? 2 * steps + 1 : steps + 1
        let arrived = PackageTally()
        let result: MethodSCRIPTResult
        do {
            result = try await driver.run(script, settings: settings) { event in
                guard case .package(let package) = event else { return }
                let batch = arrived.add(package)
                events(.progress(received: arrived.count, total: total))
                if let batch { events(.voltammogram(batch)) }
            }
            if let rest = arrived.rest() { events(.voltammogram(rest)) }
        } catch {
            if let rest = arrived.rest() { events(.voltammogram(rest)) }
            let failure = error is CancellationError
                ? PrecisError(.other, "the run was interrupted before the sweep ended", hint: "repeat with a new sensor")
                : error.asPrecisError
            let partial = arrived.packages
            let raw = partial.isEmpty ? [] : [Self.voltammogram(partial, complete: false)]
            try store.abortRun(record.id, error: failure, partial: raw, linkReport: nil, at: clock(), actor: request.operatorID)
            logger.error("run \(record.id) aborted: \(failure.message)")
            return report(context, status: .aborted, raw: RawSummary(readings: partial.count, expected: total, complete: false),
                          link: nil, error: failure)
        }
        events(.analysing)
        let potentials = result.values("da"), currents = result.values("ba")
        guard potentials.count == currents.count, potentials.count >= 5 else {
            throw PrecisError(.protocol, "the potentiostat sent \(potentials.count) potentials and \(currents.count) currents, not a voltammogram")
        }
        let technique = MethodSCRIPTAnalysisOptions.Technique(script)
        var options = MethodSCRIPTAnalysisOptions()
        options.scanRate = method.scanRate
        let (peaks, cycles) = try Self.voltammetricPeaks(potentials, currents, technique: technique, options: options)
        let peak = peaks.filter { method.peakWindow.contains($0.potential) && $0.height > 0 && $0.direction != "cathodic" }
            .max { $0.height < $1.height }
        let heightNA = (peak?.height ?? 0) * 1e9, chargeNC = (peak?.area ?? 0) / method.scanRate * 1e9
        let byCharge = assay.algorithm == "stripping-peak-charge"
        let response = byCharge ? chargeNC : heightNA
        let quantitation = Quantifier.quantify(ratio: response, lot: loaded.lot, assay: assay)
        let stored = StoredStrippingAnalysis(method: method, technique: technique, bounds: options.bounds, peak: peak, peaks: peaks, peakCurrentNA: heightNA,
                                             peakChargeNC: chargeNC, lot: lotSummary, cycles: technique == .cv ? cycles : nil)
        let newResult = NewResult(
            status: .final, analyte: assay.analyte, loinc: assay.loinc, concentration: quantitation.concentration,
            unit: assay.unit.ucum, decimals: assay.decimals, flags: quantitation.flags, response: response,
            analysisJSON: Self.json(stored) ?? "{}", referenceRange: assay.referenceRange?.text, reason: nil,
            method: "Anodic stripping \(method.sweep.name) voltammetry (\(byCharge ? "peak charge, nC" : "peak current, nA"))",
            rawDataIndex: 0, specimen: assay.specimen)
        let completed = try store.completeRun(record.id, raw: [Self.voltammogram(result.packages, complete: true)], results: [newResult],
                                              destinations: request.qc == nil ? destinations : [], linkReport: nil, at: clock(),
                                              actor: request.operatorID)
        var report = report(context, status: .completed,
                            raw: RawSummary(readings: result.packages.count, expected: total, complete: true), link: nil, error: nil)
        report.kind = RunKind.voltammetry.rawValue
        report.resultId = completed.first?.result.id
        report.flags = quantitation.flags.map(\.rawValue)
        report.interpretation = quantitation.flags.map(\.explanation)
        report.referenceRange = assay.referenceRange?.text
        if let c = quantitation.concentration {
            report.concentration = Format.rounded(c, decimals: assay.decimals)
            report.display = Format.concentration(c, decimals: assay.decimals, shownIn: assay.unit)
        }
        report.outbox = completed.first?.outbox.map(OutboxSummary.init) ?? []
        if let qc = request.qc {
            guard let value = quantitation.concentration, value.comparator == nil else {
                throw PrecisError(.qualityControl, "the QC run gave no number (\(report.display ?? "none")): the control was not recorded",
                                  hint: "repeat the control with a new sensor")
            }
            report.qc = try recordQC(assay: assay.id, instrumentID: identity.instrumentID, materialLot: qc.materialLot,
                                     values: [qc.level: value.value], runID: record.id, operatorID: request.operatorID)
        }
        return report
    }

    /// The script of a stripping method: deposition at the sweep's start, then the sweep of its technique.
    static func strippingScript(_ m: StrippingVoltammetryMethod) throws -> MethodSCRIPTTechnique {
        func need(_ value: Double?, _ name: String) throws -> Double {
            guard let value else { throw PrecisError(.calibration, "a \(m.sweep.rawValue) stripping method has no \(name)") }
            return value
        }
        switch m.sweep {
        case .swv:
            return .squareWave(SquareWaveVoltammetry(begin: m.deposition, end: m.end, step: m.step,
                                                     amplitude: try need(m.amplitude, "amplitude"), frequency: try need(m.frequency, "frequency")))
        case .dpv:
            return .differentialPulse(DifferentialPulseVoltammetry(
                begin: m.deposition, end: m.end, step: m.step, pulseAmplitude: try need(m.amplitude, "amplitude"),
                pulseTime: try need(m.pulseTime, "pulseTime"), scanRate: try need(m.rate, "rate")))
        case .lsv:
            return .linearSweep(LinearSweepVoltammetry(begin: m.deposition, end: m.end, step: m.step, scanRate: try need(m.rate, "rate")))
        case .cv:
            return .cyclicVoltammetry(CyclicVoltammetry(begin: m.deposition, vertex1: m.end, vertex2: m.deposition, step: m.step,
                                                        scanRate: try need(m.rate, "rate")))
        }
    }

    /// The sweep as raw data: `potential_V,current_A,forward_A,reverse_A`, one line per package.
    static func voltammogram(_ packages: [MethodSCRIPTPackage], complete: Bool) -> NewRawData {
        var text = "potential_V,current_A,forward_A,reverse_A\n"
        for p in packages {
            let currents = p.variables.filter { $0.type.code == "ba" }.map(\.value)
            let fields = [p["da"]?.value] + (0..<3).map { currents.indices.contains($0) ? currents[$0] : nil }
            text += fields.map { $0.map { String($0) } ?? "" }.joined(separator: ",") + "\n"
        }
        return NewRawData(kind: .voltammogram, mediaType: "text/csv", bytes: Data(text.utf8), complete: complete,
                          summaryJSON: json(["points": String(packages.count)]) ?? "{}")
    }
}

/// The data packages of a running script, kept so that a run that stops stores what came,
/// and handed on to the live sweep `batch` points at a time.
final class PackageTally: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [MethodSCRIPTPackage] = []
    /// Points of the sweep (packages with a potential and a current) and how many were handed on.
    private var potentials: [Double] = [], currents: [Double] = []
    private var sent = 0
    let batch: Int

    init(batch: Int = 10) { self.batch = batch }

    /// Keeps `package`; every `batch` points, returns those not yet handed on.
    func add(_ package: MethodSCRIPTPackage) -> VoltammogramPoints? {
        lock.withLock {
            list.append(package)
            if let e = package["da"]?.value, let i = package["ba"]?.value {
                potentials.append(e)
                currents.append(i)
            }
            return potentials.count - sent >= batch ? take() : nil
        }
    }

    /// The points not yet handed on, if any.
    func rest() -> VoltammogramPoints? { lock.withLock { potentials.count > sent ? take() : nil } }

    private func take() -> VoltammogramPoints {
        defer { sent = potentials.count }
        return VoltammogramPoints(first: sent, potentials: Array(potentials[sent...]), currents: Array(currents[sent...]))
    }

    var packages: [MethodSCRIPTPackage] { lock.withLock { list } }
    var count: Int { lock.withLock { list.count } }
}
