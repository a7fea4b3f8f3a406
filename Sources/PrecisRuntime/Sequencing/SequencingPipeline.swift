import Atomics
import Foundation
import PrecisCore
import PrecisDrivers
import PrecisSignal
import PrecisStore

/// What the operator sees of a sequencing run while it goes.
public struct SequencingSnapshot: Sendable, Codable {
    /// Sample frames processed per channel (the run's clock).
    public var frames: UInt64 = 0
    /// Seconds of signal processed.
    public var seconds: Double = 0
    /// Channels in each state.
    public var states: [String: Int] = [:]
    /// Totals so far (ring overflows and oversized packets included), as the store keeps them.
    public var totals = SequencingTotals()
    /// Packets waiting in the ring.
    public var ringDepth = 0
    /// Whether the sequencer flagged its last packet.
    public var playbackComplete = false
}

/// The consumer side of the streaming path: takes packets from the ring on its own thread,
/// checks sequence and sample continuity, and hands the packet's rows to the `ChannelBank`
/// (sixteen channels per vector block, each as its own `ChannelProcessor` would be); completed
/// reads go to `readSink` in batches. Nothing is allocated per packet (a read's buffer grows
/// with the read); a snapshot for the operator is published every `snapshotEvery` packets.
public final class SequencingPipeline: @unchecked Sendable {
    /// How often the snapshot is published, and a test knob that stalls the consumer.
    public struct Options: Sendable {
        /// Packets between snapshots.
        public var snapshotEvery = 64
        /// A test knob: after this many packets, the consumer stops for `stall`.
        public var stallAfterPackets: Int?
        /// How long the stall lasts.
        public var stall: Duration = .zero
        /// Makes the defaults.
        public init() {}
    }

    let ring: PacketRing
    let identity: NPSIdentity
    /// The family's packet format (the NPS driver's `NPSStreamDecoder`): the pipeline reads no header itself.
    let decoder: any StreamPacketDecoder
    let bank: ChannelBank
    let readSink: @Sendable ([SegmentedRead]) -> Void
    let options: Options
    var expectedSequence: UInt32 = 0
    var expectedSample: UInt64 = 0
    var packets = 0
    var totals = SequencingTotals()
    var completed: [SegmentedRead] = []
    /// The packet's samples in host order, on a big-endian host (grown once to the largest packet).
    var swapped: [Int16] = []
    var sawLast = false
    let stopRequested = ManagedAtomic<Bool>(false)
    let done = DispatchSemaphore(value: 0)
    let snapshotLock = NSLock()
    var published = SequencingSnapshot()
    /// Rung once the snapshot with the sequencer's last packet is published, so the run that
    /// watches it ends then rather than at its next look.
    let lastPacketPublished = Doorbell()

    /// A pipeline for `identity`'s channels, reading `ring` and handing completed reads to `readSink`
    /// (`package`, not public: it hands PrecisSignal's reads, so only the runtime's sequencing run, the
    /// tests and the benchmarks make one).
    package init(identity: NPSIdentity, decoder: any StreamPacketDecoder, calibrations: [ChannelCalibration],
                parameters: SegmentationParameters, ring: PacketRing, options: Options = Options(),
                readSink: @escaping @Sendable ([SegmentedRead]) -> Void) {
        self.identity = identity
        self.decoder = decoder
        self.ring = ring
        self.options = options
        self.readSink = readSink
        bank = ChannelBank(calibrations: calibrations, parameters: parameters,
                           rails: (identity.adcMin + 1)...(identity.adcMax - 1))
        completed.reserveCapacity(256)
    }

    /// Starts the consumer thread.
    func start() {
        let thread = Thread { [self] in
            consumeUntilStopped()
            done.signal()
        }
        thread.name = "precis.signal"
        thread.start()
    }

    /// Asks the consumer to drain the ring, end every read in progress and stop; waits for it.
    func stop() async {
        stopRequested.store(true, ordering: .releasing)
        await done.waitOffThePool()
    }

    /// The latest snapshot.
    public var snapshot: SequencingSnapshot { snapshotLock.withLock { published } }

    /// Ends every read in progress and publishes the final snapshot (the end of `consumeUntilStopped`).
    /// Packets the ring refused after the last one it took show no gap to the consumer (no later
    /// packet arrives); they are lost packets too, and their frames lost frames.
    public func finishChannels() {
        let (packets, bytes) = ring.refusedAtEnd
        if packets > 0 {
            totals.lostPackets += Int64(packets)
            totals.lostFrames += Int64(max(0, bytes - packets * decoder.headerSize) / (2 * max(identity.channels, 1)))
        }
        bank.finish { completed.append($0) }
        flushReads()
        publish()
    }

    func consumeUntilStopped() {
        var idle = 0
        while true {
            if ring.consume({ process($0) }) {
                idle = 0
                continue
            }
            if stopRequested.load(ordering: .acquiring) { break }
            idle += 1
            if idle > 64 { usleep(200) }
        }
        finishChannels()
    }

    /// The consumer's step for one stream packet: check it, account for gaps, feed every
    /// channel's samples to its processor (called on the signal thread, or by a benchmark).
    @inline(__always)
    public func process(_ packet: UnsafeRawBufferPointer) {
        packets += 1
        if let after = options.stallAfterPackets, packets == after {
            Thread.sleep(forTimeInterval: options.stall.seconds)
        }
        guard let header = decoder.header(packet) else {
            totals.corruptPackets += 1
            return
        }
        guard header.firstSample >= expectedSample else {
            // A repeated or reordered packet: its samples were had (or given up) already.
            totals.corruptPackets += 1
            return
        }
        let gap = header.sequence &- expectedSequence
        if gap != 0 && gap < 1 << 31 { totals.lostPackets += Int64(gap) }
        expectedSequence = header.sequence &+ 1
        if header.firstSample != expectedSample {
            let lost = header.firstSample - expectedSample
            totals.lostFrames += Int64(lost)
            bank.markLoss { completed.append($0) }
            bank.skip(lost)
        }
        expectedSample = header.firstSample + UInt64(header.frames)
        let channels = identity.channels, frames = header.frames
        let samples = packet.baseAddress!.advanced(by: header.payloadOffset)
        #if _endian(little)
        bank.push(samples, frames: frames) { completed.append($0) }
        #else
        if swapped.count < channels * frames { swapped = [Int16](repeating: 0, count: channels * frames) }
        swapped.withUnsafeMutableBufferPointer { swapped in
            for k in 0..<channels * frames {
                swapped[k] = Int16(littleEndian: samples.loadUnaligned(fromByteOffset: 2 * k, as: Int16.self))
            }
            bank.push(UnsafeRawPointer(swapped.baseAddress!), frames: frames) { completed.append($0) }
        }
        #endif
        totals.samples += Int64(channels * frames)
        if header.isLast { sawLast = true }
        if completed.count >= 64 { flushReads() }
        if packets % options.snapshotEvery == 0 || header.isLast {
            flushReads()
            publish()
            if header.isLast { lastPacketPublished.ring() }
        }
    }

    func flushReads() {
        guard !completed.isEmpty else { return }
        for read in completed {
            totals.reads += 1
            totals.events += Int64(read.eventCount)
            totals.readSamples += Int64(read.raw.count)
        }
        readSink(completed)
        completed.removeAll(keepingCapacity: true)
    }

    func publish() {
        var states: [String: Int] = [:]
        for state in bank.states { states[state.rawValue, default: 0] += 1 }
        var t = totals
        t.ringOverflows = Int64(ring.overflows)
        t.corruptPackets += Int64(ring.oversized)
        let snap = SequencingSnapshot(frames: expectedSample, seconds: Double(expectedSample) / Double(identity.sampleRate),
                                      states: states, totals: t, ringDepth: ring.depth, playbackComplete: sawLast)
        snapshotLock.withLock { published = snap }
    }
}
