import Benchmark
import Foundation
import PrecisCore
import PrecisDrivers
import PrecisFormats
import PrecisReplay
import PrecisRuntime
import PrecisSignal
import PrecisStore

/// Sequencing (issue 6): one second of the reference configuration (512 channels × 5 kHz =
/// 2.56 M samples, 640 stream packets of 8 frames) through decode + pA + segmentation + event
/// detection on one thread; and a whole run from SLOW5 replay to BLOW5 as fast as the machine
/// goes. A median under 25 ms for the first is 40× real time.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, .throughput],
                                           maxDuration: .seconds(10))
    // The vector kernels (the channel blocks, the event detector's statistics) run on the widest
    // instructions the CPU has (PRECIS_VECTOR_LEVEL=baseline or avx2 measures a narrower level).
    print("vector kernels on \(EventDetector.vectorLevel)")
    let identity = NPSIdentity(serial: "BENCH", firmware: "1", model: "bench", flowCellID: "FLO-BENCH", channels: 512,
                               sampleRate: 5000, framesPerPacket: 8, adcMin: .min, adcMax: .max)
    let calibrations = (0..<512).map { ChannelCalibration(digitisation: 8192, offset: Double(4 + $0 % 9), range: 1402.9) }
    for (share, title) in [(1.0, "all in strands"), (0.5, "half the channels in strands, half open pores")] {
        let second = packets(identity: identity, calibrations: calibrations, strandShare: share)
        Benchmark("decode + pA + segmentation + events: 1 s of 512 channels at 5 kHz (2.56 M samples), \(title)") { benchmark in
            for _ in benchmark.scaledIterations {
                let pipeline = SequencingPipeline(identity: identity, decoder: NPSStreamDecoder(channels: identity.channels), calibrations: calibrations, parameters: SegmentationParameters(),
                                                  ring: PacketRing(slotSize: 8, slots: 1), readSink: { _ in })
                benchmark.startMeasurement()
                for packet in second { packet.withUnsafeBytes { pipeline.process($0) } }
                benchmark.stopMeasurement()
                blackHole(pipeline.snapshot)
            }
        }
    }

    let calibration = ChannelCalibration(digitisation: 8192, offset: 4, range: 1402.9)
    let signal = SyntheticNanopore.read(length: 2_560_000, digitisation: 8192, offset: 4, range: 1402.9, seed: 3)
        .map(calibration.picoamperes)
    Benchmark("event detector alone: 2.56 M samples in chunks of 8 (scrappie's R9.4 parameters)") { benchmark in
        for _ in benchmark.scaledIterations {
            var detector = EventDetector()
            var count = 0
            signal.withUnsafeBufferPointer { all in
                var k = 0
                while k < all.count {   // in chunks of 8 samples (EventDetector.events pushes 32 at a time)
                    let n = min(8, all.count - k)
                    detector.push(contentsOf: UnsafeBufferPointer(rebasing: all[k..<k + n])) { _ in count += 1 }
                    k += n
                }
            }
            detector.finish { _ in count += 1 }
            blackHole(count)
        }
    }

    let input = replayFile()
    Benchmark("end to end: SLOW5 replay → stream packets → ring → pipeline → BLOW5 (512 channels, 1024 reads)",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(30), maxIterations: 8)) { benchmark in
        for _ in benchmark.scaledIterations {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precis-bench-\(UUID().uuidString)")
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let store = try! Store(path: folder.appendingPathComponent("precis.sqlite").path)
            let calibration = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("Calibration")     // the run's assay, nanopore-run
            let runtime = Runtime(store: store, catalog: CalibrationCatalog(directory: calibration))
            let report = try! await runtime.sequence(SequencingRequest(device: "sim:nps?input=\(input.path)&fast=1", sample: "S-0900",
                                                                       output: folder.appendingPathComponent("out.blow5")))
            print("end to end: \(String(format: "%.2f", report.snapshot.seconds)) s of signal in \(String(format: "%.3f", report.wallSeconds)) s = "
                  + "\(String(format: "%.1f", report.realTimeFactor))× real time, \(report.outcome.reads) reads")
            try? FileManager.default.removeItem(at: folder)
        }
    }
}

/// One second of stream packets: `strandShare` of the channels inside a strand the whole
/// second, the others at an open pore (230 pA).
func packets(identity: NPSIdentity, calibrations: [ChannelCalibration], strandShare: Double) -> [[UInt8]] {
    let channels = identity.channels, frames = identity.framesPerPacket
    let strands = Int(Double(channels) * strandShare)
    let signals = (0..<channels).map { c -> [Int16] in
        guard c < strands else {
            return (0..<5000).map { Int16((230 + Double($0 % 7) - 3) / (1402.9 / 8192) - calibrations[c].offset) }
        }
        return SyntheticNanopore.read(length: 5000, digitisation: 8192, offset: calibrations[c].offset, range: 1402.9, seed: UInt64(c))
    }
    return (0..<(5000 / frames)).map { p in
        var bytes = [UInt8](repeating: 0, count: NPSProtocol.streamHeaderSize + 2 * channels * frames)
        bytes.withUnsafeMutableBytes { raw in
            NPSPacketHeader(sequence: UInt32(p), firstSample: UInt64(p * frames), channels: channels, frames: frames).write(into: raw)
            for f in 0..<frames {
                for c in 0..<channels {
                    raw.storeBytes(of: signals[c][p * frames + f].littleEndian,
                                   toByteOffset: NPSProtocol.streamHeaderSize + 2 * (f * channels + c), as: Int16.self)
                }
            }
        }
        return bytes
    }
}

/// A BLOW5 of 512 channels × 2 synthetic reads of about 5000 samples, written once.
func replayFile() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("precis-bench-replay.blow5")
    if FileManager.default.fileExists(atPath: url.path) { return url }
    let writer = try! SLOW5Writer(url: url, header: SLOW5Header(attributes: [("run_id", "bench")]))
    for i in 0..<1024 {
        let c = i % 512
        let raw = SyntheticNanopore.read(length: 4000 + (i * 37) % 2000, digitisation: 8192, offset: Double(4 + c % 9),
                                         range: 1402.9, seed: UInt64(i))
        try! writer.write(SLOW5Read(readID: "bench-\(i)", digitisation: 8192, offset: Double(4 + c % 9), range: 1402.9,
                                    samplingRate: 5000, rawSignal: raw))
    }
    try! writer.finish()
    return url
}
