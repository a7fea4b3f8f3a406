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
    /// Where the reads go (BLOW5, or SLOW5 by extension); default `reads/` next to the database.
    public var output: URL?
    /// Seconds of signal to take; nil: until the sequencer's playback ends (simulator) or forever.
    public var duration: Double?
    /// Bias voltage (mV).
    public var biasMillivolts = -180
    /// Segmentation and event detection.
    public var parameters = SegmentationParameters()
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

/// How a sequencing run ended.
public struct SequencingReport: Sendable, Codable {
    /// The stored run.
    public var run: SequencingRunRecord
    /// The sequencer.
    public var instrument: DeviceIdentity
    /// The file with the reads.
    public var file: String
    /// Bytes in it.
    public var bytes: Int
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
    /// BLOW5 writer until the duration or the end of playback; the run is stored with its totals
    /// and flags. An unplugged sequencer ends the run ABORTED with every read so far in the file.
    public func sequence(_ request: SequencingRequest,
                         progress: @escaping @Sendable (SequencingSnapshot) -> Void = { _ in }) async throws -> SequencingReport {
        let sample = try Identifiers.pseudonym(request.sample, as: "sample id")
        _ = try Identifiers.validate(request.operatorID, as: "operator id")
        if let problem = request.parameters.problem { throw PrecisError(.input, "segmentation: \(problem)") }
        let address = try DeviceAddress(request.device)
        try files.admit([(request.output?.path, "--output")])
        let opened = try Instruments.open(address, family: NPSDriver.family, recording: request.recording, files: files)
        defer { opened.stopWatching() }
        let driver = opened.stream.map { NPSDriver(transport: opened.transport, stream: $0) } ?? NPSDriver(transport: opened.transport)
        do {
            let report = try await sequence(driver, address: address, sample: sample, request: request, progress: progress)
            await driver.close()
            return report
        } catch {
            await driver.close()
            throw error
        }
    }

    private func sequence(_ driver: NPSDriver, address: DeviceAddress, sample: String, request: SequencingRequest,
                          progress: @escaping @Sendable (SequencingSnapshot) -> Void) async throws -> SequencingReport {
        let identity = try await driver.npsIdentity()
        let device = try await driver.identify()
        let calibrations = try await driver.calibrations()
        let runInfo = try await driver.runInfo()
        try await driver.setBias(millivolts: request.biasMillivolts)
        try await driver.setMux(1)
        try store.saveInstrument(device, endpoint: address.description, at: clock())
        let output = request.output ?? defaultReadsFile(sample: sample)
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        let run = try store.beginSequencingRun(sampleID: sample, instrument: device, endpoint: address.description,
                                               channels: identity.channels, sampleRate: Double(identity.sampleRate),
                                               operatorID: request.operatorID, owner: owner, readsPath: output.path,
                                               training: address.scheme.isTraining, at: clock())
        let header = sequencingHeader(runInfo: runInfo, identity: identity, run: run)
        let writer = try SLOW5Writer(url: output, header: header, signalCompression: .svbZD)
        let readWriter = ReadWriter(writer: writer, calibrations: calibrations, sampleRate: Double(identity.sampleRate))
        let ring = PacketRing(slotSize: NPSProtocol.streamHeaderSize + 2 * identity.channels * identity.framesPerPacket,
                              slots: request.ringSlots)
        var options = SequencingPipeline.Options()
        if let stall = request.stallConsumer { options.stallAfterPackets = stall.afterPackets; options.stall = stall.duration }
        let pipeline = SequencingPipeline(identity: identity, decoder: NPSStreamDecoder(channels: identity.channels), calibrations: calibrations, parameters: request.parameters,
                                          ring: ring, options: options, readSink: { readWriter.submit($0) })
        pipeline.start()
        let started = ContinuousClock.now
        var failure: PrecisError?
        do {
            _ = try await driver.startAcquisition(into: ring)
            failure = await watch(pipeline, ring: ring, duration: request.duration, stop: request.stop, progress: progress)
            if failure == nil { _ = try await driver.stopAcquisition() }
        } catch {
            failure = error as? PrecisError ?? PrecisError(.other, "\(error)")
        }
        await pipeline.stop()
        let snapshot = pipeline.snapshot
        var written = (reads: 0, bytes: 0)
        do { written = try await readWriter.finish() } catch { failure = failure ?? (error as? PrecisError) }
        let wall = (ContinuousClock.now - started).seconds
        let record = try store.finishSequencingRun(run.id, totals: snapshot.totals, error: failure,
                                                   readsPath: output.path, at: clock())
        if let failure, written.reads == 0 && snapshot.totals.samples == 0 { throw failure }
        let report = SequencingReport(run: record, instrument: device, file: output.path, bytes: written.bytes, snapshot: snapshot,
                                      wallSeconds: wall, realTimeFactor: wall > 0 ? snapshot.seconds / wall : 0)
        if let failure { throw SequencingAborted(error: failure, report: report) }
        return report
    }

    /// Publishes snapshots until the duration, the end of playback, or a failed source.
    private func watch(_ pipeline: SequencingPipeline, ring: PacketRing, duration: Double?, stop: StopRequest,
                       progress: @escaping @Sendable (SequencingSnapshot) -> Void) async -> PrecisError? {
        var lastFrames: UInt64 = 0
        var quietSince = ContinuousClock.now
        while true {
            try? await Task.sleep(for: .milliseconds(100))
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
    func sequencingHeader(runInfo: [(String, String)], identity: NPSIdentity, run: SequencingRunRecord) -> SLOW5Header {
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
    /// kept (the `.partial` file finished up to its last whole read) and the run is ABORTED.
    func recoverInterruptedSequencingRuns() throws {
        for (run, owner) in try store.sequencingRunsStillRunning() where !Self.isAlive(owner: owner) {
            let final = URL(fileURLWithPath: run.readsPath)
            let partial = URL(fileURLWithPath: run.readsPath + ".partial")
            var totals = run.totals
            var note = "Precis stopped during the run (power cut, crash or kill)"
            if FileManager.default.fileExists(atPath: partial.path) {
                do {
                    totals.reads = try SLOW5Writer.salvage(partial: partial, to: final)
                    note += "; the \(totals.reads) reads written before are kept"
                } catch {
                    note += "; the reads file could not be finished: \(error)"
                }
            }
            _ = try store.finishSequencingRun(run.id, totals: totals, error: PrecisError(.other, note), readsPath: final.path,
                                              at: clock())
            logger.warning("sequencing run \(run.id) was left RUNNING by \(owner); recorded as ABORTED")
        }
    }
}
