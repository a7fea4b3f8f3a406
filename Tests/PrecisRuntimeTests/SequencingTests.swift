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

    @Test func aSimulatedRunWritesEveryReadAndStoresTheRun() async throws {
        let runtime = try makeRuntime()
        let out = try output()
        let report = try await runtime.sequence(SequencingRequest(device: small(), sample: "S-0101", output: out))
        #expect(report.run.status == "COMPLETED")
        #expect(report.run.flags.isEmpty)
        #expect(report.run.totals.reads == 48)
        #expect(report.run.totals.lostPackets == 0 && report.run.totals.ringOverflows == 0)
        let (header, reads) = try SLOW5Reader.readAll(out)
        #expect(reads.count == 48)
        #expect(report.run.totals.readSamples == Int64(reads.reduce(0) { $0 + $1.rawSignal.count }))
        #expect(Set(reads.compactMap { if case .string(let c)? = $0.aux["channel_number"] { c } else { nil } }).count == 16)
        #expect(reads.allSatisfy { $0.aux["end_reason"] == .uint(1) && $0.samplingRate == 5000 })
        #expect(header.attribute("precis_run_id") == report.run.uid)
        #expect(header.attribute("sample_id") == "S-0101")
        let stored = try runtime.store.sequencingRuns()
        #expect(stored.map(\.id) == [report.run.id] && stored[0].status == "COMPLETED" && stored[0].totals.reads == 48)
        let audit = try runtime.store.auditEntries(entity: "sequencing-run")
        #expect(audit.map(\.action) == ["started", "status RUNNING -> COMPLETED"])
    }

    @Test func droppedPacketsAreCountedExactlyAndFlagTheRun() async throws {
        let runtime = try makeRuntime()
        let out = try output()
        let report = try await runtime.sequence(SequencingRequest(device: small("&drop=5,6,40,200"), sample: "S-0102", output: out))
        #expect(report.run.totals.lostPackets == 4)
        #expect(report.run.totals.lostFrames == 4 * 8)
        #expect(report.run.flags == "data-loss")
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
        #expect(report.run.totals.ringOverflows > 0)
        #expect(report.run.totals.lostPackets == report.run.totals.ringOverflows)   // each refused packet is a sequence gap
        #expect(report.run.flags.contains("overflow") && report.run.flags.contains("data-loss"))
    }

    @Test func anUnpluggedSequencerAbortsTheRunAndKeepsTheReadsSoFar() async throws {
        let runtime = try makeRuntime()
        let out = try output()
        do {
            _ = try await runtime.sequence(SequencingRequest(device: small("&unplug-after=900"), sample: "S-0104", output: out))
            Issue.record("the run should have failed")
        } catch let aborted as SequencingAborted {
            #expect(aborted.error.kind == .disconnected)
            #expect(aborted.report.run.status == "ABORTED")
            let (_, reads) = try SLOW5Reader.readAll(out)
            #expect(reads.count == aborted.report.run.totals.reads && reads.count > 0)
            #expect(try runtime.store.sequencingRuns().first?.status == "ABORTED")
        }
    }

    @Test func aRefusedStartIsADeviceFaultAndTheRunIsRecorded() async throws {
        let runtime = try makeRuntime()
        let error = await #expect(throws: PrecisError.self) {
            _ = try await runtime.sequence(SequencingRequest(device: small("&fault=flowcell"), sample: "S-0105", output: try output()))
        }
        #expect(error?.kind == .deviceFault && error?.message.contains("NO_FLOW_CELL") == true)
        #expect(try runtime.store.sequencingRuns().first?.status == "ABORTED")
    }

    @Test func namesAreRefusedAsSampleIDs() async throws {
        let runtime = try makeRuntime()
        await #expect(throws: PrecisError.self) {
            _ = try await runtime.sequence(SequencingRequest(device: small(), sample: "Jane Doe", output: try output()))
        }
        #expect(try runtime.store.sequencingRuns().isEmpty)
    }
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
