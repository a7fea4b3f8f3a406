import Foundation
import PrecisCore
import PrecisDrivers
import PrecisFormats
import PrecisSignal
import PrecisStore
import PrecisUSB

/// One run in a list of results.
public struct ResultSummary: Sendable, Codable, Equatable {
    public var runId: Int64
    public var runUid: String
    public var sample: String
    public var patient: String?
    public var assay: String
    /// The run's status: RUNNING, COMPLETED, INVALID, ABORTED.
    public var status: RunStatus
    public var startedAt: String
    public var endedAt: String?
    public var instrument: String
    public var resultId: Int64?
    /// The result's status: FINAL, INVALID, CORRECTED.
    public var resultStatus: ResultStatus?
    public var concentration: Concentration?
    public var display: String?
    public var flags: [String]
    public var tcRatio: Double?
    /// How much raw data is stored.
    public var rawProfile: RawSummary?
    public var outbox: [OutboxSummary]
    public var error: ErrorSummary?
    /// A training run (a simulator or a replayed trace): never a patient's result.
    public var training: Bool
    /// What the run is: `strip`, `plate`, `voltammetry`, `sequencing`.
    public var kind: String = "strip"
    /// On a run of several samples (a plate): each sample's current result.
    public var results: [SampleResultSummary]? = nil
    /// The raw data kept besides a strip's profile (a plate's RDML), with its digest.
    public var rawData: [RawDataSummary]? = nil
    /// A sequencing run's yield, as its result recorded it.
    public var sequencing: SequencingOutcome? = nil
    /// A sequencing run's flow cell, channels, sample rate and reads file.
    public var sequencingDetail: SequencingDetail? = nil
    /// A sequencing run's totals as stored with its reads file (also for an aborted run).
    public var sequencingTotals: SequencingTotals? = nil
}

/// Raw data in a list: what it is, its size and SHA-256.
public struct RawDataSummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var kind: String
    public var mediaType: String
    public var size: Int
    public var sha256: String
    public var complete: Bool
    public var path: String?

    init(_ record: RawDataRecord) {
        id = record.id
        kind = record.kind.rawValue
        mediaType = record.mediaType
        size = record.size
        sha256 = record.sha256
        complete = record.complete
        path = record.path
    }
}

/// One run with everything needed to draw it.
public struct ResultDetail: Sendable, Codable, Equatable {
    public var summary: ResultSummary
    public var analysis: StoredAnalysis?
    /// The lines and curves as recomputed from the stored raw profile with the stored method.
    public var curves: StripCurves?
    /// The stored raw profile (partial for an aborted run).
    public var raw: RawTrace?
    /// The audit trail of this run.
    public var audit: [AuditEntry]
    /// A voltammetric run's peak and method, as stored with its result.
    public var stripping: StoredStrippingAnalysis? = nil
    /// A voltammetric run's sweep from its stored raw data: potential (V) and net current (A).
    public var voltammogram: [[Double]] = []
    /// A plate's controls as judged when it ran.
    public var plate: PlateVerdict? = nil
    /// A plate's wells, re-analysed from its stored RDML (for the curves; not in the JSON).
    public var wells: [QPCRWellResult] = []
    /// A plate's curves as drawn: each well and target's baseline-corrected fluorescence and Cq, from `wells`.
    public var amplification: [PlateCurve] = []
    /// A plate's assay target's dye (the curves the results were called from; the rest are the internal control's).
    public var targetDye: String? = nil
    /// An absorbance run's spectra and absorbance, with its reading.
    public var absorbance: AbsorbanceDetail? = nil

    enum CodingKeys: String, CodingKey {
        case summary, analysis, curves, raw, audit, stripping, voltammogram, plate, amplification, targetDye, absorbance
    }
}

/// A strip's lines and curves as the lateral-flow analysis computed them, for drawing.
public struct StripCurves: Sendable, Codable, Equatable {
    /// Positions, mm.
    public var positionsMM: [Double]
    /// Absorbance, −log10(reflectance / full scale), before smoothing.
    public var absorbance: [Double]
    /// Absorbance after smoothing.
    public var smoothed: [Double]
    /// The baseline under `smoothed` the lines are measured from.
    public var baseline: [Double]
    /// The control line, when one was found.
    public var control: PeakSummary?
    /// The test line, integrated over its window even when faint.
    public var test: PeakSummary?
    /// Robust standard deviation of the corrected smoothed signal outside the line windows, absorbance.
    public var noise: Double
    /// Test area over control area; nil when the strip is invalid.
    public var ratio: Double?
    /// Why the strip is invalid (`NO_CONTROL_LINE`, `UNUSABLE_PROFILE`); nil when valid.
    public var invalidity: String?

    init(_ result: LateralFlowResult) {
        positionsMM = result.positionsMM
        absorbance = result.absorbance
        smoothed = result.smoothed
        baseline = result.baseline
        control = result.control.map(PeakSummary.init)
        test = result.test.map(PeakSummary.init)
        noise = result.noise
        ratio = result.ratio
        invalidity = result.invalidity?.rawValue
    }
}

/// One well and target of a plate as the page draws it: the baseline-corrected curve from the
/// stored RDML (cycle 1 first) and its Cq.
public struct PlateCurve: Sendable, Codable, Equatable {
    public var well: String
    public var sample: String
    public var sampleType: String
    public var target: String
    public var dye: String?
    public var cq: Double?
    public var corrected: [Double]

    init(_ w: QPCRWellResult) {
        well = w.well
        sample = w.sample
        sampleType = w.sampleType
        target = w.target
        dye = w.dye
        cq = w.cq
        corrected = w.corrected
    }
}

/// One entry of the upload queue.
public struct QueueItem: Sendable, Codable, Equatable {
    public var id: Int64
    public var runId: Int64
    public var resultId: Int64
    public var sample: String
    public var destination: String
    public var state: OutboxState
    public var attempts: Int
    /// When it was queued.
    public var since: String
    public var nextAttemptAt: String
    public var lastError: String?
    /// The result is a training run's (simulated or replayed).
    public var training: Bool
    /// A file's upload to the S3 inbox: how far it is.
    public var upload: UploadProgress? = nil
}

/// How far a file's upload to the S3 inbox is.
public struct UploadProgress: Sendable, Codable, Equatable {
    /// `encrypting`, `uploading`, `uploaded`, `done`.
    public var phase: String
    /// Bytes put on the wire (parts sent again count again).
    public var bytesSent: Int
    /// Bytes of the object the server holds.
    public var bytesHeld: Int
    /// The encrypted file's size, once known.
    public var totalBytes: Int?
    /// Parts the server took.
    public var partsSent: Int
    /// Requests sent again.
    public var retries: Int
    /// Bytes per second of the last part.
    public var bytesPerSecond: Double?

    /// The progress of `upload`.
    init(_ upload: InboxUpload, held: Int) {
        phase = upload.phase.rawValue
        bytesSent = upload.bytesSent
        bytesHeld = upload.phase == .uploaded || upload.phase == .done ? upload.encrypted?.size ?? held : held
        totalBytes = upload.encrypted?.size
        partsSent = upload.partsSent
        retries = upload.retries
        bytesPerSecond = upload.rate
    }
}

/// An instrument Precis can reach.
public struct DeviceListing: Sendable, Codable, Equatable {
    /// What to give `--device`.
    public var address: String
    public var family: String
    /// `simulated`, `usb`, `serial`.
    public var kind: String
    /// Where it sits: the USB bus path (`1-4.2`) and device node, for real instruments.
    public var busPath: String?
    public var description: String
    public var serial: String?
    public var firmware: String?
    /// `ready`, or what is wrong.
    public var state: String
}

extension Runtime {
    /// The newest runs and their results, newest first; `before`: the page after the run with
    /// that id (a list's cursor).
    public func results(limit: Int = 50, kind: RunKind? = nil, before: Int64? = nil) throws -> [ResultSummary] {
        try store.runs(limit: limit, kind: kind, before: before).map(summary)
    }

    /// One run in full; throws `.notFound` for an unknown id.
    public func resultDetail(runID: Int64) throws -> ResultDetail {
        guard let run = try store.run(runID) else {
            throw PrecisError(.notFound, "no run \(runID) in this store", hint: "`precis results` lists the runs")
        }
        let summary = try summary(run)
        if run.kind == .plate { return try plateDetail(run, summary: summary) }
        let result = try store.result(forRun: runID)
        if run.kind == .absorbance {
            var detail = ResultDetail(summary: summary, analysis: nil, curves: nil, raw: nil,
                                      audit: try store.auditEntries(entity: "run", entityID: String(runID)))
            detail.absorbance = try absorbanceDetail(runID: runID, result: result)
            return detail
        }
        if run.kind == .voltammetry {
            let stored = result.flatMap { try? JSONDecoder().decode(StoredStrippingAnalysis.self, from: Data($0.analysisJSON.utf8)) }
            var points: [[Double]] = []
            if let raw = try store.rawData(forRun: runID).first(where: { $0.kind == .voltammogram }),
               let bytes = try store.rawDataContent(raw.id) {
                points = String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst().compactMap { line in
                    let cells = line.split(separator: ",", omittingEmptySubsequences: false).prefix(2).compactMap { Double($0) }
                    return cells.count == 2 ? cells : nil
                }
            }
            return ResultDetail(summary: summary, analysis: nil, curves: nil, raw: nil,
                                audit: try store.auditEntries(entity: "run", entityID: String(runID)), stripping: stored,
                                voltammogram: points)
        }
        let analysis = result.flatMap { try? JSONDecoder().decode(StoredAnalysis.self, from: Data($0.analysisJSON.utf8)) }
        let raw = try store.rawTrace(forRun: runID)
        var curves: StripCurves?
        if let analysis, let raw, raw.complete {
            curves = StripCurves(LateralFlowAnalyzer(method: analysis.method).analyze(raw.profile))
        }
        return ResultDetail(summary: summary, analysis: analysis, curves: curves, raw: raw,
                            audit: try store.auditEntries(entity: "run", entityID: String(runID)))
    }

    /// A plate: its verdict as stored with its results, and its wells analysed again from the
    /// stored RDML (the same LinRegPCR, so the curves drawn are the ones the results came from).
    func plateDetail(_ run: RunRecord, summary: ResultSummary) throws -> ResultDetail {
        let verdict = try store.results(forRun: run.id).lazy.compactMap {
            try? JSONDecoder().decode(StoredPlateCall.self, from: Data($0.analysisJSON.utf8)).plate
        }.first
        var wells: [QPCRWellResult] = []
        if let raw = try store.rawData(forRun: run.id).first(where: { $0.kind == .plateRDML }),
           let bytes = try store.rawDataContent(raw.id) {
            wells = (try? QPCRAnalysis.analyse(RDMLDocument(data: bytes, source: "run \(run.id)'s RDML")).0.wells) ?? []
        }
        return ResultDetail(summary: summary, analysis: nil, curves: nil, raw: nil,
                            audit: try store.auditEntries(entity: "run", entityID: String(run.id)), plate: verdict, wells: wells,
                            amplification: wells.map(PlateCurve.init), targetDye: (try? catalog.assay(run.assay))?.qpcr?.target.dye)
    }

    /// What waits in the outbox (everything not yet delivered), oldest first.
    public func queue(includeDelivered: Bool = false, after: Int64? = nil, limit: Int? = nil) throws -> [QueueItem] {
        let uploads = try uploadProgress()
        return try store.outbox(states: includeDelivered ? nil : [.pending, .inFlight, .failed], after: after, limit: limit).map {
            QueueItem(id: $0.id, runId: $0.runID, resultId: $0.resultID, sample: $0.sampleID, destination: $0.destination,
                      state: $0.state, attempts: $0.attempts, since: $0.createdAt, nextAttemptAt: $0.nextAttemptAt,
                      lastError: $0.lastError, training: $0.training, upload: uploads[$0.id])
        }
    }

    /// Every upload to the S3 inbox, by outbox entry.
    public func uploadProgress() throws -> [Int64: UploadProgress] {
        let held = try store.inboxHeldBytes()
        var out: [Int64: UploadProgress] = [:]
        for upload in try store.inboxUploads() { out[upload.outboxID] = UploadProgress(upload, held: held[upload.outboxID] ?? 0) }
        return out
    }

    /// The instruments Precis can reach now: the simulators, and (with USB support) what is plugged in.
    public static func devices() async -> [DeviceListing] {
        var list: [DeviceListing] = []
        for family in FamilyRegistry.families {
            var entry = DeviceListing(address: "sim:\(family.family)", family: family.family.name, kind: "simulated", busPath: nil,
                                      description: family.displayName, serial: nil, firmware: nil, state: "ready")
            do {
                let simulator = try FamilyRegistry.simulator(try DeviceAddress(entry.address))
                let driver = try family.driver(simulator, (simulator as? any ModelledTransport)?.model)
                let identity = try await driver.identify()
                await driver.close()
                entry.serial = identity.serial
                entry.firmware = identity.firmware
            } catch {
                entry.state = error.asPrecisError.message
            }
            list.append(entry)
        }
        return list + ((try? UdevDiscovery.enumerate(matching: FamilyRegistry.devices)) ?? []).map(listing)
    }

    /// A plugged-in instrument as `devices` lists it (not opened: it may be busy with a run).
    public static func listing(_ device: DiscoveredDevice) -> DeviceListing {
        DeviceListing(address: device.address, family: device.family.name, kind: device.kind,
                      busPath: "\(device.busPath) \(device.devnode)",
                      description: FamilyRegistry.entry(for: device.family)?.displayName ?? device.family.name,
                      serial: device.serial.isEmpty ? nil : device.serial, firmware: nil,
                      state: device.accessible ? "ready" : "no permission: install the udev rules (precis doctor)")
    }

    /// Each sample's current result on a run of several (the newest record per sample).
    func sampleResults(_ run: RunRecord) throws -> [SampleResultSummary] {
        let unit = (try? catalog.assay(run.assay))?.unit
        var newest: [String: ResultRecord] = [:], order: [String] = []
        for r in try store.results(forRun: run.id) {
            let sample = r.sampleID ?? run.sampleID
            if newest[sample] == nil { order.append(sample) }
            newest[sample] = r
        }
        return try order.compactMap { newest[$0] }.map { r in
            let stored = try? JSONDecoder().decode(StoredPlateCall.self, from: Data(r.analysisJSON.utf8))
            let display: String? = r.status == .invalid ? nil : r.coded?.display ?? r.concentration.map { c in
                unit.map { Format.concentration(c, decimals: r.decimals, shownIn: $0) } ?? Format.concentration(c, decimals: r.decimals)
            }
            return SampleResultSummary(
                resultId: r.id, sample: r.sampleID ?? run.sampleID, patient: r.patientID, status: r.status, display: display,
                concentration: r.concentration.map { Format.rounded($0, decimals: r.decimals) }, coded: r.coded,
                flags: r.flags.map(\.rawValue), reason: r.reason, wells: stored?.call.wells ?? [], meanCq: stored?.call.meanCq,
                cqSD: stored?.call.cqSD, outbox: try store.outbox(forResult: r.id).map(OutboxSummary.init))
        }
    }

    func summary(_ run: RunRecord) throws -> ResultSummary {
        if run.kind == .sequencing {
            var summary = try stripSummary(run)
            summary.kind = run.kind.rawValue
            summary.tcRatio = nil
            let raw = try store.rawData(forRun: run.id)
            summary.rawData = raw.map(RawDataSummary.init)
            summary.sequencingDetail = try store.sequencingDetail(runID: run.id)
            summary.sequencingTotals = raw.first { $0.kind == .reads }
                .flatMap { try? JSONDecoder().decode(ReadsSummary.self, from: Data($0.summaryJSON.utf8)).totals }
            if let result = try store.result(forRun: run.id) {
                summary.sequencing = try? JSONDecoder().decode(SequencingOutcome.self, from: Data(result.analysisJSON.utf8))
                summary.display = result.concentration.map { "\(Int($0.value)) reads" }
            }
            return summary
        }
        if run.kind == .voltammetry {
            var summary = try stripSummary(run)
            summary.kind = run.kind.rawValue
            summary.tcRatio = nil
            summary.rawData = try store.rawData(forRun: run.id).map(RawDataSummary.init)
            if let result = try store.result(forRun: run.id), let unit = (try? catalog.assay(run.assay))?.unit {
                summary.display = result.concentration.map { Format.concentration($0, decimals: result.decimals, shownIn: unit) }
            }
            return summary
        }
        if run.kind != .strip {
            var summary = try stripSummary(run)
            summary.kind = run.kind.rawValue
            summary.results = try sampleResults(run)
            summary.rawData = try store.rawData(forRun: run.id).map(RawDataSummary.init)
            summary.outbox = summary.results?.flatMap(\.outbox) ?? []
            summary.display = nil
            summary.resultId = nil
            summary.resultStatus = nil
            summary.tcRatio = nil
            summary.concentration = nil
            summary.flags = []
            return summary
        }
        return try stripSummary(run)
    }

    func stripSummary(_ run: RunRecord) throws -> ResultSummary {
        let result = try store.result(forRun: run.id)
        let raw = try store.rawTraceSummary(forRun: run.id)   // a list needs the counts, not the profile
        let outbox = try result.map { try store.outbox(forResult: $0.id) } ?? []
        return ResultSummary(
            runId: run.id, runUid: run.uid, sample: run.sampleID, patient: run.patientID, assay: run.assay,
            status: run.status, startedAt: run.startedAt, endedAt: run.endedAt, instrument: run.instrumentID,
            resultId: result?.id, resultStatus: result?.status,
            concentration: result.flatMap { r in r.concentration.map { Format.rounded($0, decimals: r.decimals) } },
            display: result.flatMap { r in r.concentration.map { Format.concentration($0, decimals: r.decimals) } },
            flags: result?.flags.map(\.rawValue) ?? [], tcRatio: result?.response,
            rawProfile: raw.map { RawSummary(readings: $0.count, expected: $0.expected, complete: $0.complete) },
            outbox: outbox.map(OutboxSummary.init),
            error: run.errorMessage.map { ErrorSummary(PrecisError(run.errorKind ?? .other, $0)) },
            training: run.training)
    }
}
