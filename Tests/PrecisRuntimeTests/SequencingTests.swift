import Foundation
import PrecisCore
import PrecisDrivers
import PrecisFormats
import PrecisRuntime
import PrecisSignal
import PrecisStore
import Testing

/// A small simulated sequencer: 16 channels, 3 synthetic reads each, as fast as possible.
private func small(_ extra: String = "") -> String { "sim:nps?channels=16&reads=3&length=3000&gap=400&fast=1" + extra }

@Suite struct SequencingTests {
    func output() throws -> URL { try temporaryFolder().appendingPathComponent("reads.blow5") }

    /// The run's sequencing runs as the store lists every run.
    func sequencingRuns(_ runtime: Runtime) throws -> [RunRecord] { try runtime.store.runs(kind: .sequencing) }

    @Test func aSimulatedRunWritesEveryReadAndStoresTheRunWithItsYieldAsItsResult() async throws {
        let runtime = try makeRuntime()
        let out = try output()
        let report = try await runtime.sequence(SequencingRequest(device: small(), sample: "S-0101", output: out))
        #expect(report.run.status == .completed)
        #expect(!report.run.flags.contains("DATA_LOSS") && !report.run.flags.contains("RING_OVERFLOW"))
        #expect(report.outcome.totals.reads == 48 && report.outcome.reads == 48)
        #expect(report.outcome.totals.lostPackets == 0 && report.outcome.totals.ringOverflows == 0)
        let (header, reads) = try SLOW5Reader.readAll(out)
        #expect(reads.count == 48)
        #expect(report.outcome.totals.readSamples == Int64(reads.reduce(0) { $0 + $1.rawSignal.count }))
        #expect(Set(reads.compactMap { if case .string(let c)? = $0.aux["channel_number"] { c } else { nil } }).count == 16)
        #expect(reads.allSatisfy { $0.aux["end_reason"] == .uint(1) && $0.samplingRate == 5000 })
        #expect(header.attribute("precis_run_id") == report.run.runUid)
        #expect(header.attribute("sample_id") == "S-0101")
        // Estimated bases and N50 from the file's reads, computed here the plain way.
        let bases = reads.map { Int((Double($0.rawSignal.count) * 400 / 5000).rounded()) }.sorted(by: >)
        let total = bases.reduce(0, +)
        var running = 0
        let n50 = bases.first { running += $0; return running * 2 >= total }
        #expect(report.outcome.estimatedBases == Int64(total))
        #expect(report.outcome.readN50 == n50)
        let occupancy = try #require(report.outcome.poreOccupancy)
        #expect(occupancy > 0 && occupancy < 1)
        // One run of kind sequencing, its reads file as raw data with the file's digest, one result queued.
        let stored = try sequencingRuns(runtime)
        #expect(stored.map(\.id) == [report.run.runId] && stored[0].status == .completed)
        #expect(try runtime.store.sequencingDetail(runID: report.run.runId)?.readsPath == out.path)
        let raw = try runtime.store.rawData(forRun: report.run.runId)
        let digest = try #require(try FileDigest.sha256(path: out.path))
        #expect(raw.map(\.kind) == [.reads] && raw[0].sha256 == digest.sha256 && raw[0].size == digest.size && raw[0].complete)
        let result = try #require(try runtime.store.result(forRun: report.run.runId))
        #expect(result.concentration?.value == 48 && result.unit == "{reads}" && result.codeSystem == Coding.sequencingSystem)
        #expect(result.rawDataID == raw[0].id)
        #expect(result.components?.first { $0.code.code == "read-n50" }?.value == Double(n50 ?? -1))
        #expect(try runtime.store.outbox(forResult: result.id).map(\.destination) == runtime.destinations)
        let audit = try runtime.store.auditEntries(entity: "run", entityID: String(report.run.runId))
        #expect(audit.map(\.action) == ["started", "status RUNNING -> COMPLETED"])
        #expect(try runtime.store.verifyAudit().problems == [])
    }

    @Test func droppedPacketsAreCountedExactlyAndFlagTheRun() async throws {
        let runtime = try makeRuntime()
        let out = try output()
        let report = try await runtime.sequence(SequencingRequest(device: small("&drop=5,6,40,200"), sample: "S-0102", output: out))
        #expect(report.outcome.totals.lostPackets == 4)
        #expect(report.outcome.totals.lostFrames == 4 * 8)
        #expect(report.run.flags.contains("DATA_LOSS"))
        #expect(try runtime.store.result(forRun: report.run.runId)?.flags.contains(.dataLoss) == true)
        let (_, reads) = try SLOW5Reader.readAll(out)
        #expect(reads.contains { $0.aux["end_reason"] == .uint(2) })   // device_data_error: cut at a gap
    }

    @Test func aStalledConsumerOverflowsTheRingAndIsReported() async throws {
        let runtime = try makeRuntime()
        // At the sampling rate (a device cannot wait), with a ring of 8 packets and a 300 ms stall.
        var request = SequencingRequest(device: "sim:nps?channels=16&reads=3&length=3000&gap=400", sample: "S-0103",
                                        output: try output(), duration: 1.0)
        request.ringSlots = 8
        request.stallConsumer = (afterPackets: 10, duration: .milliseconds(300))
        let report = try await runtime.sequence(request)
        #expect(report.outcome.totals.ringOverflows > 0)
        #expect(report.outcome.totals.lostPackets == report.outcome.totals.ringOverflows)   // each refused packet is a sequence gap
        #expect(report.run.flags.contains("RING_OVERFLOW") && report.run.flags.contains("DATA_LOSS"))
    }

    @Test func anUnpluggedSequencerAbortsTheRunAndKeepsTheReadsSoFar() async throws {
        let runtime = try makeRuntime()
        let out = try output()
        do {
            _ = try await runtime.sequence(SequencingRequest(device: small("&unplug-after=900"), sample: "S-0104", output: out))
            Issue.record("the run should have failed")
        } catch let aborted as SequencingAborted {
            #expect(aborted.error.kind == .disconnected)
            #expect(aborted.report.run.status == .aborted)
            let (_, reads) = try SLOW5Reader.readAll(out)
            #expect(reads.count == aborted.report.outcome.reads && reads.count > 0)
            let run = try #require(try sequencingRuns(runtime).first)
            #expect(run.status == .aborted && run.errorKind == .disconnected)
            #expect(try runtime.store.results(forRun: run.id).isEmpty, "an aborted run has no result to send")
            let raw = try runtime.store.rawData(forRun: run.id)
            #expect(raw.count == 1 && raw[0].kind == .reads && !raw[0].complete)
            #expect(raw[0].sha256 == (try FileDigest.sha256(path: out.path))?.sha256)
        }
    }

    @Test func aRefusedStartIsADeviceFaultAndTheRunIsRecorded() async throws {
        let runtime = try makeRuntime()
        let error = await #expect(throws: PrecisError.self) {
            _ = try await runtime.sequence(SequencingRequest(device: small("&fault=flowcell"), sample: "S-0105", output: try output()))
        }
        #expect(error?.kind == .deviceFault && error?.message.contains("NO_FLOW_CELL") == true)
        #expect(try sequencingRuns(runtime).first?.status == .aborted)
    }

    @Test func namesAreRefusedAsSampleIDs() async throws {
        let runtime = try makeRuntime()
        await #expect(throws: PrecisError.self) {
            _ = try await runtime.sequence(SequencingRequest(device: small(), sample: "Jane Doe", output: try output()))
        }
        #expect(try sequencingRuns(runtime).isEmpty)
    }

    @Test("a sequencing assay through Runtime.run (as the kiosk starts one): stored, queued, channel events on the way")
    func aSequencingAssayRunsThroughTheOneRunEntry() async throws {
        let runtime = try makeRuntime()
        let events = EventLog()
        var request = RunRequest(device: small(), assay: "nanopore-run", sample: "S-0106")
        request.duration = 60
        let report = try await runtime.run(request) { events.add($0) }
        #expect(report.kind == "sequencing" && report.status == .completed && report.sequencing?.reads == 48)
        #expect(report.outbox.count == runtime.destinations.count && report.resultId != nil)
        #expect(events.channelSnapshots > 0)
        await #expect(throws: PrecisError.self) {
            _ = try await runtime.run(RunRequest(device: small(), assay: "nanopore-run", sample: "S-0107", lot: "PB26D01"))
        }
    }
}

/// A run's yield from its reads' lengths, by the definitions `SequencingOutcome` states.
@Suite struct SequencingOutcomeTests {
    @Test("estimated bases at the kit's speed, and the N50 of the reads sorted longest first")
    func basesAndN50() {
        // 4 kHz and 400 b/s: a tenth of a base per sample; reads of 2000, 3000 and 5000 bases.
        let o = SequencingOutcome.of(readLengths: [20_000, 30_000, 50_000], sampleRate: 4000, basesPerSecond: 400,
                                     occupancy: 0.75, totals: SequencingTotals())
        #expect(o.reads == 3 && o.estimatedBases == 10_000)
        #expect(o.readN50 == 5000)            // the 5000-base read alone holds half of the bases
        let mixed = SequencingOutcome.of(readLengths: [10_000, 10_000, 10_000, 10_000, 25_000, 35_000], sampleRate: 4000,
                                         basesPerSecond: 400, occupancy: nil, totals: SequencingTotals())
        #expect(mixed.estimatedBases == 10_000 && mixed.readN50 == 2500)   // 3500 + 2500 = 6000 ≥ 5000
        #expect(SequencingOutcome.of(readLengths: [], sampleRate: 4000, basesPerSecond: 400, occupancy: nil,
                                     totals: SequencingTotals()).readN50 == 0)
        let components = Dictionary(uniqueKeysWithValues: o.components.map { ($0.code.code, $0) })
        #expect(components["estimated-bases"]?.value == 10_000 && components["read-n50"]?.unit == "{bases}")
        #expect(components["pore-occupancy"]?.value == 75 && components["pore-occupancy"]?.unit == "%")
        #expect(o.components.allSatisfy { $0.code.system == Coding.sequencingSystem })
        #expect(mixed.components.first { $0.code.code == "pore-occupancy" } == nil)
    }

    @Test("the read-length histogram: half-octave bins from 100 bases, empty ones between kept")
    func lengthHistogram() {
        let o = SequencingOutcome.of(readLengths: [500, 1200, 1500, 4000, 4000], sampleRate: 4000, basesPerSecond: 400,
                                     occupancy: nil, totals: SequencingTotals())
        // 50 and 120 bases in the first bin (under 141), 150 in [141, 200), 400 twice in [400, 566)
        #expect(o.lengthHistogram == [[0, 2], [141, 1], [200, 0], [283, 0], [400, 2]])
        #expect(SequencingOutcome.of(readLengths: [], sampleRate: 4000, basesPerSecond: 400, occupancy: nil,
                                     totals: SequencingTotals()).lengthHistogram == nil)
    }
}

/// The events a run sent, counted.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var snapshots = 0
    func add(_ event: RunEvent) { if case .channels = event { lock.withLock { snapshots += 1 } } }
    var channelSnapshots: Int { lock.withLock { snapshots } }
}

/// The signal thread's packet checks, fed directly (nps protocol.md §5).
@Suite struct StreamPacketTests {
    let identity = NPSIdentity(serial: "T", firmware: "1", model: "t", flowCellID: "F", channels: 4, sampleRate: 5000,
                               framesPerPacket: 8, adcMin: .min, adcMax: .max)

    func packet(sequence: UInt32, first: UInt64, frames: Int = 8, channels: Int = 4, flags: UInt8 = 0) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: NPSProtocol.streamHeaderSize + 2 * channels * frames)
        bytes.withUnsafeMutableBytes { raw in
            NPSPacketHeader(flags: flags, sequence: sequence, firstSample: first, channels: channels, frames: frames).write(into: raw)
            for k in 0..<(channels * frames) {
                raw.storeBytes(of: Int16(1300).littleEndian, toByteOffset: NPSProtocol.streamHeaderSize + 2 * k, as: Int16.self)
            }
        }
        return bytes
    }

    @Test func corruptLostAndRepeatedPacketsAreEachCountedNeverUsed() {
        let calibrations = (0..<4).map { _ in ChannelCalibration(digitisation: 8192, offset: 0, range: 1400) }
        let pipeline = SequencingPipeline(identity: identity, decoder: NPSStreamDecoder(channels: identity.channels), calibrations: calibrations, parameters: SegmentationParameters(),
                                          ring: PacketRing(slotSize: 8, slots: 1), readSink: { _ in })
        var badMagic = packet(sequence: 1, first: 8)
        badMagic[0] = 0
        let packets: [[UInt8]] = [
            packet(sequence: 0, first: 0),
            badMagic,                                          // corrupt: magic
            Array(packet(sequence: 1, first: 8).dropLast(2)),  // corrupt: length
            packet(sequence: 1, first: 8, channels: 5),        // corrupt: channel count
            packet(sequence: 3, first: 24),                    // sequence 1 and 2 lost: 2 packets, 16 frames
            packet(sequence: 3, first: 24),                    // repeated: samples from the past
            packet(sequence: 4, first: 32, flags: 1),          // the device's FIFO overflowed, but nothing is missing
        ]
        for p in packets { p.withUnsafeBytes { pipeline.process($0) } }
        pipeline.finishChannels()
        let totals = pipeline.snapshot.totals
        #expect(totals.corruptPackets == 4)
        #expect(totals.lostPackets == 2)
        #expect(totals.lostFrames == 16)
        #expect(totals.samples == Int64(3 * 8 * 4))   // only the three good packets' samples were used
        #expect(pipeline.snapshot.frames == 40)
    }

    @Test func packetsRefusedAfterTheLastOneTakenAreLostPacketsToo() {
        // A refused packet shows as a sequence gap before the next packet taken; the ones refused
        // after the last packet taken never do, and are counted when the run ends.
        let calibrations = (0..<4).map { _ in ChannelCalibration(digitisation: 8192, offset: 0, range: 1400) }
        let ring = PacketRing(slotSize: NPSProtocol.streamHeaderSize + 2 * 4 * 8, slots: 2)
        let pipeline = SequencingPipeline(identity: identity, decoder: NPSStreamDecoder(channels: identity.channels), calibrations: calibrations, parameters: SegmentationParameters(),
                                          ring: ring, readSink: { _ in })
        func offer(_ p: [UInt8]) -> Bool { p.withUnsafeBytes { ring.deliver($0) } }
        func drain() { while ring.consume({ pipeline.process($0) }) {} }
        #expect(offer(packet(sequence: 0, first: 0)) && offer(packet(sequence: 1, first: 8)))
        #expect(!offer(packet(sequence: 2, first: 16)) && !offer(packet(sequence: 3, first: 24)))   // full
        drain()
        #expect(offer(packet(sequence: 4, first: 32)) && offer(packet(sequence: 5, first: 40)))     // shows 2 and 3 missing
        #expect(!offer(packet(sequence: 6, first: 48, frames: 3)) && !offer(packet(sequence: 7, first: 51)))
        drain()
        pipeline.finishChannels()
        let totals = pipeline.snapshot.totals
        #expect(ring.overflows == 4)
        #expect(totals.lostPackets == 4)
        #expect(totals.lostFrames == 16 + 3 + 8)
    }
}
