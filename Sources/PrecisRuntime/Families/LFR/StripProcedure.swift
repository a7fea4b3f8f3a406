import Foundation
import PrecisCore
import PrecisDrivers
import PrecisSignal
import PrecisStore

// The lfr family's procedure: a strip's cartridge awaited, its lot read from the cartridge's
// code, the strip scanned (the readings kept as they arrive, so an interrupted run stores what
// it got), the profile analysed into one result, and raw profile, result and outbox entries
// stored together.

/// Readings as they arrive, kept so that an interrupted run stores what it got.
final class PartialScan: @unchecked Sendable {
    private let lock = NSLock()
    private var readings: [Int: (position: UInt16, value: UInt16)] = [:]
    private var total: Int?

    func add(_ progress: LFRScanProgress) {
        lock.withLock {
            total = progress.total
            for (offset, value) in progress.block.reflectance.enumerated() {
                readings[progress.block.first + offset] = (progress.block.positionsUM[offset], value)
            }
        }
    }

    /// The readings received, in index order, as a trace marked incomplete; nil when none.
    func trace(fullScale: UInt16) -> RawTrace? {
        lock.withLock {
            guard !readings.isEmpty else { return nil }
            let ordered = readings.sorted { $0.key < $1.key }.map(\.value)
            let profile = LineProfile(positionsUM: ordered.map { Int($0.position) }, reflectance: ordered.map(\.value),
                                      fullScale: fullScale)
            return RawTrace(kind: "lfr-profile", profile: profile, expectedCount: total, complete: false)
        }
    }
}

extension Runtime {
    /// The lfr family's procedure: a strip scanned and analysed into one result.
    func runStripAssay(_ request: RunRequest, assay: AssayDefinition, events: @escaping @Sendable (RunEvent) -> Void) async throws
        -> RunReport {
        let sample = try Identifiers.pseudonym(request.qc?.sampleID ?? request.sample, as: "sample id")
        let patient = try request.patient.map { try Identifiers.pseudonym($0, as: "patient id") }
        if request.layout != nil || request.layoutText != nil { throw PrecisError(.input, "--layout is for qPCR assays; \(assay.id) runs on \(assay.family)") }
        let session = try Instruments.connect(try DeviceAddress(request.device), family: assay.family,
                                              recording: request.recording, files: files)
        do {
            let report = try await run(request, sample: sample, patient: patient, assay: assay, session: session, events: events)
            await session.close()
            return report
        } catch {
            await session.close()
            throw error
        }
    }

    private func run(_ request: RunRequest, sample: String, patient: String?, assay: AssayDefinition,
                     session: InstrumentSession, events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        let driver = session.driver
        let identity = try await driver.identify()
        events(.connected(identity))
        try store.saveInstrument(identity, endpoint: session.endpoint, at: clock())
        if request.qc == nil { try checkQC(assay: assay.id, instrumentID: identity.instrumentID) }
        let cartridge = try await awaitCartridge(driver, wait: request.cartridgeWait, events: events)
        let lotNumber = try request.lot ?? Self.lotNumber(ofCartridge: cartridge)
        let loaded = try catalog.lot(lotNumber, for: assay, today: Self.calendarDate(clock()))
        let lotSummary = LotSummary(lot: loaded.lot.lot, version: loaded.lot.version,
                                    expiry: loaded.lot.expiry.description, sha256: loaded.sha256)
        events(.cartridge(id: cartridge, lot: lotSummary))
        let calibrationID = try store.saveCalibration(loaded.lot, content: loaded.content, sha256: loaded.sha256, at: clock())
        let record = try store.beginRun(NewRun(
            sampleID: sample, patientID: patient, assay: assay.id, instrument: identity, endpoint: session.endpoint,
            calibrationID: calibrationID, cartridgeID: cartridge, operatorID: request.operatorID, owner: owner,
            training: session.training), at: clock())
        events(.started(runID: record.id))
        let context = RunContext(record: record, assay: assay, lot: loaded, lotSummary: lotSummary, identity: identity,
                                 endpoint: session.endpoint, operatorID: request.operatorID, qc: request.qc)
        return try await acquireAndFinish(context, driver: driver, cartridge: cartridge, events: events)
    }

    /// The cartridge in the slot, waiting for one to be inserted when the slot is empty.
    private func awaitCartridge(_ driver: LFRDriver, wait: Duration,
                                events: @Sendable (RunEvent) -> Void) async throws -> String {
        let status = try await driver.status()
        if status.cartridgePresent { return status.cartridgeID }
        events(.waitingForCartridge)
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            let now = try await driver.status()
            if now.cartridgePresent { return now.cartridgeID }
        }
        throw PrecisError(.deviceFault, "no cartridge was inserted within \(wait)",
                          hint: "insert the cartridge and start the run again")
    }

    /// `CRP26A07:004217` → `CRP26A07` (protocol.md §5).
    static func lotNumber(ofCartridge id: String) throws -> String {
        let parts = id.split(separator: ":")
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw PrecisError(.deviceFault, "cartridge code '\(id)' is not LOT:SERIAL",
                              hint: "give the lot with --lot, or use another cartridge")
        }
        return String(parts[0])
    }

    func acquireAndFinish(_ context: RunContext, driver: LFRDriver, cartridge: String,
                          events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        let partial = PartialScan()
        let profile: LineProfile
        do {
            guard let scan = context.assay.scan else { throw PrecisError(.calibration, "assay has no scan settings") }
            let request = LFRScanRequest(cartridgeID: cartridge, startUM: UInt16(scan.startUM), endUM: UInt16(scan.endUM),
                                         stepUM: UInt16(scan.stepUM), integrationMS: UInt8(scan.integrationMS),
                                         ledPercent: UInt8(scan.ledPercent))
            profile = try await driver.scan(request) { progress in
                partial.add(progress)
                events(.readings(first: progress.block.first, positionsUM: progress.block.positionsUM.map { Int($0) },
                                 reflectance: progress.block.reflectance))
                events(.progress(received: progress.received, total: progress.total))
            }
        } catch {
            let failure = error is CancellationError
                ? PrecisError(.other, "the run was interrupted before the strip was read", hint: "repeat the run")
                : error.asPrecisError
            let link = await Self.linkSummary(driver)
            let trace = partial.trace(fullScale: await driver.fullScale)
            try store.abortRun(context.record.id, error: failure, partial: trace, linkReport: Self.json(link),
                               at: clock(), actor: context.operatorID)
            logger.error("run \(context.record.id) aborted: \(failure.message)")
            return report(context, status: .aborted, raw: RawSummary(readings: trace?.profile.count ?? 0,
                          expected: context.assay.scan?.sampleCount, complete: false), link: link, error: failure)
        }
        events(.analysing)
        return try finish(context, profile: profile, link: await Self.linkSummary(driver))
    }

    /// Analyses a complete profile and stores raw data, result and outbox entries together.
    func finish(_ context: RunContext, profile: LineProfile, link: LinkSummary?) throws -> RunReport {
        guard let method = context.assay.lateralFlow else { throw PrecisError(.calibration, "assay has no lateralFlow method") }
        let analysis = LateralFlowAnalyzer(method: method).analyze(profile)
        let quantitation = Quantifier.quantify(ratio: analysis.ratio, lot: context.lot.lot, assay: context.assay)
        let valid = analysis.invalidity == nil
        let stored = StoredAnalysis(method: method, control: analysis.control.map(PeakSummary.init),
                                    test: analysis.test.map(PeakSummary.init), noise: analysis.noise,
                                    ratio: analysis.ratio, invalidity: analysis.invalidity?.rawValue,
                                    lot: context.lotSummary, model: context.lot.lot.model)
        let result = NewResult(
            status: valid ? .final : .invalid, analyte: context.assay.analyte, loinc: context.assay.loinc,
            concentration: quantitation.concentration, unit: context.assay.unit.ucum, decimals: context.assay.decimals,
            flags: quantitation.flags, response: analysis.ratio, analysisJSON: Self.json(stored) ?? "{}",
            referenceRange: context.assay.referenceRange?.text,
            reason: analysis.invalidity.map { ResultFlag(rawValue: $0.rawValue)?.explanation ?? $0.rawValue })
        let raw = RawTrace(kind: "lfr-profile", profile: profile, expectedCount: profile.count, complete: true)
        let completed = try store.completeRun(context.record.id, raw: raw, result: result,
                                              destinations: context.qc == nil ? destinations : [],
                                              linkReport: Self.json(link), at: clock(), actor: context.operatorID)
        var report = report(context, status: valid ? .completed : .invalid,
                            raw: RawSummary(readings: profile.count, expected: profile.count, complete: true), link: link, error: nil)
        report.resultId = completed.result.id
        report.flags = quantitation.flags.map(\.rawValue)
        report.interpretation = quantitation.flags.map(\.explanation)
        report.tcRatio = analysis.ratio
        report.referenceRange = context.assay.referenceRange?.text
        if let c = quantitation.concentration {
            report.concentration = Format.rounded(c, decimals: context.assay.decimals)
            report.display = Format.concentration(c, decimals: context.assay.decimals)
        }
        report.outbox = completed.outbox.map(OutboxSummary.init)
        if let qc = context.qc {
            guard let value = quantitation.concentration, value.comparator == nil, valid else {
                throw PrecisError(.qualityControl, "the QC run gave no number (\(report.display ?? "invalid")): "
                                  + "the control was not recorded", hint: "repeat the control with a new cartridge")
            }
            report.qc = try recordQC(assay: context.assay.id, instrumentID: context.identity.instrumentID,
                                     materialLot: qc.materialLot, values: [qc.level: value.value], runID: context.record.id,
                                     operatorID: context.operatorID)
        }
        return report
    }

    static func linkSummary(_ driver: LFRDriver) async -> LinkSummary {
        let s = await driver.statistics
        return LinkSummary(rejectedFrames: s.rejectedFrames, sequenceGaps: s.sequenceGaps, retries: s.retries,
                           refilledReadings: s.refilledReadings, rejections: s.rejections)
    }

}

/// The analysis as stored with a result: enough to recompute and redraw it exactly.
public struct StoredAnalysis: Sendable, Codable, Equatable {
    /// The method used.
    public var method: LateralFlowMethod
    /// The control line.
    public var control: PeakSummary?
    /// The test line.
    public var test: PeakSummary?
    /// Baseline noise.
    public var noise: Double
    /// T/C ratio.
    public var ratio: Double?
    /// Why invalid.
    public var invalidity: String?
    /// The lot.
    public var lot: LotSummary
    /// The curve.
    public var model: CalibrationModel
}

/// One line (control or test) found on a strip, in absorbance over the baseline.
public struct PeakSummary: Sendable, Codable, Equatable {
    /// Position of the maximum, mm along the strip.
    public var positionMM: Double
    /// Height of the maximum over the baseline, absorbance units.
    public var height: Double
    /// Area over the baseline between `startMM` and `endMM`, absorbance·mm.
    public var area: Double
    /// Where the integration started, mm.
    public var startMM: Double
    /// Where the integration ended, mm.
    public var endMM: Double
    /// Height divided by the baseline noise (robust standard deviation).
    public var signalToNoise: Double

    init(_ peak: LinePeak) {
        positionMM = peak.positionMM
        height = peak.height
        area = peak.area
        startMM = peak.startMM
        endMM = peak.endMM
        signalToNoise = peak.signalToNoise
    }
}
