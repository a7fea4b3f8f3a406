import Foundation
import PrecisCore
import PrecisDrivers
import PrecisFormats
import PrecisSignal
import PrecisStore

/// What to sequence.
public struct SequencingRequest: Sendable {
    /// `sim:nps?…` or `usb:SERIAL`.
    public var device: String
    /// The pseudonymous sample id.
    public var sample: String
    /// The pseudonymous patient id, when the lab gives one.
    public var patient: String?
    /// The assay (a sequencing assay in Calibration/assays/).
    public var assay = "nanopore-run"
    /// Where the reads go (BLOW5, or SLOW5 by extension); default `reads/` next to the database.
    public var output: URL?
    /// Seconds of signal to take; nil: until the sequencer's playback ends (simulator) or forever.
    public var duration: Double?
    /// Bias voltage (mV).
    public var biasMillivolts = -180
    /// Segmentation and event detection.
    public var parameters = SegmentationSettings()
    /// Who runs it.
    public var operatorID = "bench"
    /// Stream packets the ring holds.
    public var ringSlots = 2048
    /// Test knob: the signal thread stops this long after this many packets.
    public var stallConsumer: (afterPackets: Int, duration: Duration)?
    /// Where to write a replayable trace of the control exchange with the sequencer, if anywhere.
    public var recording: URL?
    /// Set by the operator (Ctrl-C, SIGTERM) to end the run cleanly: acquisition stopped, reads in
    /// progress ended (`api_request`), the file finished, the run COMPLETED.
    public var stop = StopRequest()

    /// Makes a request.
    public init(device: String, sample: String, output: URL? = nil, duration: Double? = nil) {
        self.device = device
        self.sample = sample
        self.output = output
        self.duration = duration
    }
}

/// How a channel's current is cut into reads, and the event detector run on each read.
public struct SegmentationSettings: Sendable, Codable, Equatable {
    /// Where open-pore current is looked for (pA).
    public var openPoreRange: ClosedRange<Float>
    /// The open-pore level assumed until the channel has shown its own (pA).
    public var expectedOpenPore: Float
    /// A sample below this fraction of the channel's open-pore level (and above `noPoreBelow`) is strand.
    public var strandFraction: Float
    /// |current| below this is no pore (pA).
    public var noPoreBelow: Float
    /// Consecutive non-strand samples that end a read.
    public var minimumGap: Int
    /// Reads shorter than this are blips, not kept.
    public var minimumReadLength: Int
    /// Reads are cut at this length (`partial`), bounding memory.
    public var maximumReadLength: Int
    /// Samples per channel-state update.
    public var stateWindow: Int
    /// The event detector's settings.
    public var events: EventDetectionSettings

    /// Makes the defaults (R9.4-like pores at 180 mV).
    public init() {
        self.init(SegmentationParameters())
    }

    /// Nil when usable, otherwise why not.
    public var problem: String? { segmentation.problem }

    init(_ p: SegmentationParameters) {
        openPoreRange = p.openPoreRange
        expectedOpenPore = p.expectedOpenPore
        strandFraction = p.strandFraction
        noPoreBelow = p.noPoreBelow
        minimumGap = p.minimumGap
        minimumReadLength = p.minimumReadLength
        maximumReadLength = p.maximumReadLength
        stateWindow = p.stateWindow
        events = EventDetectionSettings(p.events)
    }

    /// The segmenter's own parameters.
    var segmentation: SegmentationParameters {
        var p = SegmentationParameters()
        p.openPoreRange = openPoreRange
        p.expectedOpenPore = expectedOpenPore
        p.strandFraction = strandFraction
        p.noPoreBelow = noPoreBelow
        p.minimumGap = minimumGap
        p.minimumReadLength = minimumReadLength
        p.maximumReadLength = maximumReadLength
        p.stateWindow = stateWindow
        p.events = events.detector
        return p
    }
}

/// A sequencing run's outcome before basecalling, as its result reports it. Bases are
/// estimated as MinKNOW estimates them before basecalling: samples inside reads × the kit's
/// translocation speed / the sample rate; the read N50 is the length (in estimated bases)
/// of the read at which the reads sorted longest first reach half of all bases; pore
/// occupancy is strand / (strand + open pore) channels, averaged over the run's snapshots
/// (100 ms apart), as MinKNOW's occupancy plot shows it.
public struct SequencingOutcome: Sendable, Codable, Equatable {
    public var reads: Int
    public var estimatedBases: Int64
    public var readN50: Int
    /// 0…1; nil when no channel ever held a pore.
    public var poreOccupancy: Double?
    public var totals: SequencingTotals
    /// The chemistry's speed used for the estimates.
    public var basesPerSecond: Double
    /// The reads' length distribution: `[first length of the bin (estimated bases), reads]`, bins
    /// half an octave wide from 100 bases (the first bin holds every shorter read), empty bins
    /// between the shortest and longest kept.
    public var lengthHistogram: [[Int]]? = nil

    /// The outcome of reads of `readLengths` samples each.
    public static func of(readLengths: [Int], sampleRate: Double, basesPerSecond: Double, occupancy: Double?,
                          totals: SequencingTotals) -> SequencingOutcome {
        let bases = readLengths.map { Int((Double($0) * basesPerSecond / sampleRate).rounded()) }
        let total = bases.reduce(Int64(0)) { $0 + Int64($1) }
        var n50 = 0, running: Int64 = 0
        for length in bases.sorted(by: >) {
            running += Int64(length)
            if running * 2 >= total { n50 = length; break }
        }
        return SequencingOutcome(reads: readLengths.count, estimatedBases: total, readN50: total == 0 ? 0 : n50,
                                 poreOccupancy: occupancy, totals: totals, basesPerSecond: basesPerSecond,
                                 lengthHistogram: histogram(bases))
    }

    /// Bin k (k ≥ 1) starts at 100 × 2^(k/2) bases; bin 0 holds every read shorter than 141 bases.
    static func histogram(_ bases: [Int]) -> [[Int]]? {
        guard !bases.isEmpty else { return nil }
        func bin(_ length: Int) -> Int { length < 100 ? 0 : Int((2 * log2(Double(length) / 100)).rounded(.down)) }
        func start(_ k: Int) -> Int { k == 0 ? 0 : Int((100 * pow(2, Double(k) / 2)).rounded()) }
        var counts: [Int: Int] = [:]
        for length in bases { counts[bin(length), default: 0] += 1 }
        let low = counts.keys.min()!, high = counts.keys.max()!
        return (low...high).map { [start($0), counts[$0] ?? 0] }
    }

    /// The result's components, each under Precis's sequencing codes.
    public var components: [ResultComponent] {
        func c(_ code: String, _ display: String, _ value: Double, _ unit: String, _ decimals: Int = 0) -> ResultComponent {
            ResultComponent(code: Coding(code: code, display: display, system: Coding.sequencingSystem), value: value,
                            unit: unit, decimals: decimals)
        }
        var list = [
            c("estimated-bases", "Estimated bases (before basecalling)", Double(estimatedBases), "{bases}"),
            c("read-n50", "Read N50 (estimated bases)", Double(readN50), "{bases}"),
        ]
        if let poreOccupancy { list.append(c("pore-occupancy", "Pore occupancy", (poreOccupancy * 1000).rounded() / 10, "%", 1)) }
        list += [
            c("samples", "Samples taken off the stream, all channels", Double(totals.samples), "{samples}"),
            c("lost-packets", "Stream packets lost before the host", Double(totals.lostPackets), "{packets}"),
            c("lost-frames", "Sample frames lost per channel", Double(totals.lostFrames), "{frames}"),
            c("corrupt-packets", "Corrupt stream packets discarded", Double(totals.corruptPackets), "{packets}"),
            c("ring-overflows", "Stream packets dropped by the host's ring", Double(totals.ringOverflows), "{packets}"),
        ]
        return list
    }
}

/// How a sequencing run ended.
public struct SequencingReport: Sendable, Codable {
    /// The stored run, its result and its outbox entries, as every family's run reports them.
    public var run: RunReport
    /// Flow cell, channels, sample rate and where the reads went.
    public var detail: SequencingDetail
    /// The sequencer.
    public var instrument: DeviceIdentity
    /// The file with the reads.
    public var file: String
    /// Bytes in it.
    public var bytes: Int
    /// Its SHA-256 (hex), as stored with the run's raw data.
    public var sha256: String?
    /// Reads, estimated bases, N50, occupancy, losses.
    public var outcome: SequencingOutcome
    /// The last snapshot.
    public var snapshot: SequencingSnapshot
    /// Wall-clock seconds.
    public var wallSeconds: Double
    /// Signal seconds per wall second.
    public var realTimeFactor: Double
}

extension Runtime {
    /// How long a sequencer may send nothing before the run is ended as a fault.
    static let streamSilence: Duration = .seconds(3)

    /// Runs a sequencer: identify, calibrations, bias, then stream → ring → signal thread →
    /// BLOW5 writer until the duration or the end of playback. The run goes through the one
    /// lifecycle: begun as RUNNING (kind `sequencing`, with its details), then completed in one
    /// transaction with the reads file as raw data (path, size, SHA-256) and the run's yield as
    /// its result, queued for every destination; or, when the sequencer fails (unplugged),
    /// ABORTED with every read so far kept in the file and stored as raw data.
    public func sequence(_ request: SequencingRequest,
                         progress: @escaping @Sendable (SequencingSnapshot) -> Void = { _ in },
                         events: @escaping @Sendable (RunEvent) -> Void = { _ in }) async throws -> SequencingReport {
        let sample = try Identifiers.pseudonym(request.sample, as: "sample id")
        let patient = try request.patient.map { try Identifiers.pseudonym($0, as: "patient id") }
        _ = try Identifiers.validate(request.operatorID, as: "operator id")
        if let problem = request.parameters.problem { throw PrecisError(.input, "segmentation: \(problem)") }
        let assay = try catalog.assay(request.assay)
        guard assay.family == NPSDriver.family, let method = assay.sequencing else {
            throw PrecisError(.input, "assay \(assay.id) runs on \(assay.family), not on a sequencer")
        }
        let address = try DeviceAddress(request.device)
        try files.admit([(request.output?.path, "--output")])
        let opened = try Instruments.open(address, family: NPSDriver.family, recording: request.recording, files: files)
        defer { opened.stopWatching() }
        let driver = opened.stream.map { NPSDriver(transport: opened.transport, stream: $0) } ?? NPSDriver(transport: opened.transport)
        return try await closing(driver) {
            try await sequence(driver, address: address, assay: assay, method: method, sample: sample, patient: patient,
                               request: request, progress: progress, events: events)
        }
    }

    private func sequence(_ driver: NPSDriver, address: DeviceAddress, assay: AssayDefinition, method: SequencingAssayMethod,
                          sample: String, patient: String?, request: SequencingRequest,
                          progress: @escaping @Sendable (SequencingSnapshot) -> Void,
                          events: @escaping @Sendable (RunEvent) -> Void) async throws -> SequencingReport {
        let identity = try await driver.npsIdentity()
        let device = try await driver.identify()
        events(.connected(device))
        let calibrations = try await driver.calibrations()
        let runInfo = try await driver.runInfo()
        try await driver.setBias(millivolts: request.biasMillivolts)
        try await driver.setMux(1)
        try store.saveInstrument(device, endpoint: address.description, at: clock())
        try checkQC(assay: assay.id, instrumentID: device.instrumentID)
        let output = request.output ?? defaultReadsFile(sample: sample)
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        let detail = SequencingDetail(flowCellID: device.instrumentCalibrationID, channels: identity.channels,
                                      sampleRate: Double(identity.sampleRate), readsPath: output.path)
        let run = try store.beginRun(NewRun(
            sampleID: sample, patientID: patient, assay: assay.id, instrument: device, endpoint: address.description,
            calibrationID: nil, cartridgeID: nil, operatorID: request.operatorID, owner: owner,
            training: address.scheme.isTraining, kind: .sequencing, sequencing: detail), at: clock())
        events(.started(runID: run.id))
        let header = sequencingHeader(runInfo: runInfo, identity: identity, run: run)
        let writer = try SLOW5Writer(url: output, header: header, signalCompression: .svbZD)
        let readWriter = ReadWriter(writer: writer, calibrations: calibrations, sampleRate: Double(identity.sampleRate))
        let ring = PacketRing(slotSize: NPSProtocol.streamHeaderSize + 2 * identity.channels * identity.framesPerPacket,
                              slots: request.ringSlots)
        var options = SequencingPipeline.Options()
        if let stall = request.stallConsumer { options.stallAfterPackets = stall.afterPackets; options.stall = stall.duration }
        let pipeline = SequencingPipeline(identity: identity, decoder: NPSStreamDecoder(channels: identity.channels), calibrations: calibrations, parameters: request.parameters.segmentation,
                                          ring: ring, options: options, readSink: { readWriter.submit($0) })
        pipeline.start()
        let started = ContinuousClock.now
        let occupancy = OccupancyTally()
        let watcher: @Sendable (SequencingSnapshot) -> Void = { snapshot in
            occupancy.add(snapshot)
            progress(snapshot)
            events(.channels(snapshot))
        }
        var failure: PrecisError?
        do {
            _ = try await driver.startAcquisition(into: ring)
            failure = await watch(pipeline, ring: ring, duration: request.duration, stop: request.stop, progress: watcher)
            if failure == nil { _ = try await driver.stopAcquisition() }
        } catch {
            failure = error as? PrecisError ?? PrecisError(.other, "\(error)")
        }
        await pipeline.stop()
        let snapshot = pipeline.snapshot
        occupancy.add(snapshot)
        var written = (reads: 0, bytes: 0, lengths: [Int]())
        do { written = try await readWriter.finish() } catch { failure = failure ?? (error as? PrecisError) }
        let wall = (ContinuousClock.now - started).seconds
        events(.analysing)
        let outcome = SequencingOutcome.of(readLengths: written.lengths, sampleRate: Double(identity.sampleRate),
                                           basesPerSecond: method.basesPerSecond, occupancy: occupancy.mean,
                                           totals: snapshot.totals)
        let digest = try FileDigest.sha256(path: output.path)
        let raw = try NewRawData.reads(path: output.path, digest: digest, totals: snapshot.totals, seconds: snapshot.seconds,
                                       complete: failure == nil)
        var report: RunReport
        if let failure {
            try store.abortRun(run.id, error: failure, partial: digest == nil ? [] : [raw], linkReport: nil, at: clock(),
                               actor: request.operatorID)
            report = sequencingReport(run, assay: assay, device: device, endpoint: address.description, status: .aborted,
                                      outcome: outcome, error: failure)
        } else {
            var flags = snapshot.totals.flags
            if let o = outcome.poreOccupancy, o < method.minPoreOccupancy { flags.append(.lowOccupancy) }
            flags.sort()
            let result = NewResult(
                status: .final, analyte: assay.analyte, loinc: assay.loinc,
                concentration: Concentration(value: Double(outcome.reads), unit: assay.unit.ucum), unit: assay.unit.ucum,
                decimals: 0, flags: flags, response: nil, analysisJSON: Self.json(outcome) ?? "{}", referenceRange: nil,
                reason: nil, method: "Nanopore raw-signal sequencing: yield before basecalling (bases estimated at "
                    + "\(Int(method.basesPerSecond)) b/s)", rawDataIndex: 0, specimen: assay.specimen,
                components: outcome.components)
            let completed = try store.completeRun(run.id, raw: [raw], results: [result], destinations: destinations,
                                                  fileDestinations: configuration.fileDestinations,
                                                  linkReport: nil, at: clock(), actor: request.operatorID)
            report = sequencingReport(run, assay: assay, device: device, endpoint: address.description, status: .completed,
                                      outcome: outcome, error: nil)
            report.resultId = completed.first?.result.id
            report.flags = flags.map(\.rawValue)
            report.interpretation = flags.map(\.explanation)
            report.outbox = completed.first?.outbox.map(OutboxSummary.init) ?? []
        }
        if let failure, written.reads == 0 && snapshot.totals.samples == 0 { throw failure }
        let whole = SequencingReport(run: report, detail: detail, instrument: device, file: output.path, bytes: written.bytes,
                                     sha256: digest?.sha256, outcome: outcome, snapshot: snapshot, wallSeconds: wall,
                                     realTimeFactor: wall > 0 ? snapshot.seconds / wall : 0)
        if let failure { throw SequencingAborted(error: failure, report: whole) }
        return whole
    }

    func sequencingReport(_ run: RunRecord, assay: AssayDefinition, device: DeviceIdentity, endpoint: String, status: RunStatus,
                          outcome: SequencingOutcome, error: PrecisError?) -> RunReport {
        var report = RunReport(
            runId: run.id, runUid: run.uid, sample: run.sampleID, patient: run.patientID, assay: assay.id,
            analyte: assay.analyte, status: status, flags: [], concentration: nil, display: nil, tcRatio: nil,
            referenceRange: nil, interpretation: [], lot: nil,
            instrument: InstrumentSummary(id: device.instrumentID, family: device.family.name, serial: device.serial,
                                          firmware: device.firmware, endpoint: endpoint),
            raw: RawSummary(readings: outcome.reads, expected: nil, complete: error == nil), link: nil, resultId: nil,
            outbox: [], error: error.map(ErrorSummary.init), qc: nil, training: run.training)
        report.kind = RunKind.sequencing.rawValue
        report.sequencing = outcome
        if error == nil {
            report.concentration = Concentration(value: Double(outcome.reads), unit: assay.unit.ucum)
            report.display = "\(outcome.reads) reads"
        }
        return report
    }

    /// Publishes snapshots every 100 ms until the duration, the end of playback (at once: the
    /// pipeline rings when it has published the last packet), or a failed source.
    private func watch(_ pipeline: SequencingPipeline, ring: PacketRing, duration: Double?, stop: StopRequest,
                       progress: @escaping @Sendable (SequencingSnapshot) -> Void) async -> PrecisError? {
        var lastFrames: UInt64 = 0
        var quietSince = ContinuousClock.now
        while true {
            await pipeline.lastPacketPublished.wait(upTo: .milliseconds(100))
            let snap = pipeline.snapshot
            progress(snap)
            if let failure = ring.failure, ring.depth == 0 { return failure }
            if snap.playbackComplete { return nil }
            if let duration, snap.seconds >= duration { return nil }
            if stop.isRequested { return nil }
            if snap.frames != lastFrames || ring.depth > 0 {
                (lastFrames, quietSince) = (snap.frames, .now)
            } else if ContinuousClock.now - quietSince > Self.streamSilence {
                return PrecisError(.timeout, "the sequencer sent no samples for \(Self.streamSilence)",
                                   hint: "check the USB cable; the reads so far are kept")
            }
        }
    }

    func defaultReadsFile(sample: String) -> URL {
        let folder = URL(fileURLWithPath: store.path).deletingLastPathComponent().appendingPathComponent("reads")
        let stamp = Timestamp.string(clock()).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: ".", with: "-")
        return folder.appendingPathComponent("\(stamp)-\(sample).blow5")
    }

    /// The SLOW5 header: the sequencer's own attributes as it reported them, then what Precis adds.
    func sequencingHeader(runInfo: [(String, String)], identity: NPSIdentity, run: RunRecord) -> SLOW5Header {
        var attributes = runInfo
        let have = Set(runInfo.map(\.0))
        let added: [(String, String)] = [
            ("run_id", run.uid.replacingOccurrences(of: "-", with: "")), ("device_id", identity.serial),
            ("flow_cell_id", identity.flowCellID), ("sample_frequency", String(identity.sampleRate)),
            ("exp_start_time", run.startedAt), ("sample_id", run.sampleID),
        ]
        attributes += added.filter { !have.contains($0.0) }
        attributes += [("precis_run_id", run.uid), ("precis_instrument", run.instrumentID)]
        return SLOW5Header(attributes: attributes, auxFields: ReadWriter.auxFields)
    }
}

/// Pore occupancy over a run's snapshots: strand / (strand + pore) channels, averaged.
final class OccupancyTally: @unchecked Sendable {
    private let lock = NSLock()
    private var sum = 0.0, count = 0
    func add(_ s: SequencingSnapshot) {
        let strand = s.states["strand"] ?? 0, pore = s.states["pore"] ?? 0
        guard strand + pore > 0 else { return }
        lock.withLock { sum += Double(strand) / Double(strand + pore); count += 1 }
    }
    var mean: Double? { lock.withLock { count == 0 ? nil : sum / Double(count) } }
}

/// The operator's request to end a run, set from a signal handler or another task.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    /// Makes an unset request.
    public init() {}
    /// Asks the run to stop.
    public func request() { lock.withLock { requested = true } }
    /// Whether stopping was asked.
    public var isRequested: Bool { lock.withLock { requested } }
}

/// A sequencing run that ended early: the error, and the run as stored (reads kept).
public struct SequencingAborted: Error, Sendable {
    /// What went wrong.
    public var error: PrecisError
    /// The stored run and what was written.
    public var report: SequencingReport
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension DispatchSemaphore {
    /// Waits for the semaphore on a Dispatch thread, so that a thread of Swift's small
    /// cooperative pool is not held while a signal or writer thread finishes.
    func waitOffThePool() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.wait()
                c.resume()
            }
        }
    }
}

extension Runtime {
    /// Sequencing runs left RUNNING by a process that is gone: the reads already written are
    /// kept (the `.partial` file finished up to its last whole read), stored as the run's raw
    /// data, and the run is ABORTED.
    func recoverInterruptedSequencingRuns() throws {
        for (run, detail) in try store.sequencingRunsStillRunning() where !Self.isAlive(owner: run.owner) {
            let final = URL(fileURLWithPath: detail.readsPath)
            let partial = URL(fileURLWithPath: detail.readsPath + ".partial")
            var totals = SequencingTotals()
            var note = "Precis stopped during the run (power cut, crash or kill)"
            if FileManager.default.fileExists(atPath: partial.path) {
                do {
                    totals.reads = try SLOW5Writer.salvage(partial: partial, to: final)
                    note += "; the \(totals.reads) reads written before are kept"
                } catch {
                    note += "; the reads file could not be finished: \(error)"
                }
            }
            let digest = try FileDigest.sha256(path: final.path)
            let raw = try NewRawData.reads(path: final.path, digest: digest, totals: totals, seconds: nil, complete: false)
            try store.abortRun(run.id, error: PrecisError(.other, note), partial: digest == nil ? [] : [raw], linkReport: nil,
                               at: clock())
            logger.warning("sequencing run \(run.id) was left RUNNING by \(run.owner); recorded as ABORTED")
        }
    }
}

extension Runtime {
    /// A sequencing assay asked for as any run is (`Runtime.run`, the kiosk's API): a
    /// sequencing run whose report is the run's; one the sequencer cut short is reported
    /// ABORTED with what it kept, not thrown.
    func runSequencingAssay(_ request: RunRequest, assay: AssayDefinition,
                            events: @escaping @Sendable (RunEvent) -> Void) async throws -> RunReport {
        if request.qc != nil { throw PrecisError(.input, "a sequencing run has no QC level: enter the control's values with `precis qc add`") }
        if request.layout != nil || request.layoutText != nil { throw PrecisError(.input, "--layout is for qPCR assays; \(assay.id) runs on a sequencer") }
        if request.lot != nil { throw PrecisError(.input, "a sequencing run has no calibration lot: its flow cell is reported by the sequencer") }
        var sequencing = SequencingRequest(device: request.device, sample: request.sample, duration: request.duration)
        sequencing.patient = request.patient
        sequencing.assay = assay.id
        sequencing.operatorID = request.operatorID
        sequencing.recording = request.recording
        sequencing.stop = request.stop
        do {
            return try await sequence(sequencing, events: events).run
        } catch let aborted as SequencingAborted {
            return aborted.report.run
        }
    }
}
