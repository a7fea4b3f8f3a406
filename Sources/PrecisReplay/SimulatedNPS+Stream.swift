import Foundation
import PrecisCore
import PrecisDrivers

/// What one simulated channel plays: reads separated by open pore, or no pore, or a saturated ADC.
public struct NPSChannelScript: Sendable {
    /// How the channel behaves.
    public enum Kind: Sendable { case pore, noPore, saturated }
    /// The behaviour.
    public var kind: Kind
    /// The raw reads it plays, in order, each after `gap` samples of open pore.
    public var reads: [[Int16]]
    /// Makes a script.
    public init(kind: Kind = .pore, reads: [[Int16]] = []) {
        self.kind = kind
        self.reads = reads
    }
}

/// Produces the sequencer's stream packets (nps protocol.md §5) on its own thread, from
/// per-channel scripts, at the sampling rate or as fast as the consumer takes them.
final class NPSStreamer: @unchecked Sendable {
    struct Player {
        var reads: [[Int16]]
        let kind: NPSChannelScript.Kind
        let open: [Int16]
        /// Open-pore samples after each read.
        let gap: Int
        var read = 0
        var inRead = false
        var position = 0
        var gapLeft: Int
        var tick = 0
        /// Every read played and the gap after the last one too.
        var done: Bool { read >= reads.count && !inRead && gapLeft <= 0 }

        /// The next `count` samples, each `stride` apart from `out` on: what `count` calls of
        /// `NPSStreamer.next` give, with a read's samples copied a run at a time.
        mutating func play(into out: UnsafeMutablePointer<Int16>, stride: Int, count: Int) {
            var k = 0
            while k < count {
                if kind == .pore, !inRead, gapLeft > 0 || read >= reads.count {
                    k += playOpenPore(into: out + k * stride, stride: stride, count: count - k)
                    continue
                }
                guard kind == .pore, inRead else {
                    out[k * stride] = Int16(littleEndian: NPSStreamer.next(&self))
                    k += 1
                    continue
                }
                let n = min(count - k, reads[read].count - position)
                reads[read].withUnsafeBufferPointer { signal in
                    for j in 0..<n { out[(k + j) * stride] = Int16(littleEndian: signal[position + j]) }
                }
                (k, position, tick) = (k + n, position + n, tick &+ n)
                if position == reads[read].count { (inRead, read, gapLeft) = (false, read + 1, gap) }
            }
        }

        /// Open pore until the gap ends (or for good, after the last read), at most `count`
        /// samples: the open-pore table from the tick on, without a division per sample.
        mutating func playOpenPore(into out: UnsafeMutablePointer<Int16>, stride: Int, count: Int) -> Int {
            let n = read >= reads.count ? count : min(count, gapLeft)
            var i = (tick &+ 1) % open.count
            open.withUnsafeBufferPointer { open in
                for j in 0..<n {
                    out[j * stride] = Int16(littleEndian: open[i])
                    i = i + 1 == open.count ? 0 : i + 1
                }
            }
            tick &+= n
            gapLeft -= n
            return n
        }
    }

    let channels: Int
    let framesPerPacket: Int
    let sampleRate: Int
    let gap: Int
    let realTime: Bool
    let dropSequences: Set<UInt32>
    let lock = NSLock()
    var sink: (any PacketSink)?
    var players: [Player]
    var running = false
    let finished = DispatchSemaphore(value: 0)
    var sequence: UInt32 = 0
    var firstSample: UInt64 = 0
    var packetsSent: UInt32 = 0
    var overflows: UInt32 = 0
    var unplugAfterPackets: Int?
    var stopRequested = false
    var deviceOverflowPending = false
    /// True once every channel has played all its reads.
    var playbackComplete = false

    init(identity: NPSIdentity, calibrations: [ChannelCalibration], scripts: [NPSChannelScript], gap: Int,
         openPore: Float, realTime: Bool, dropSequences: Set<UInt32>, unplugAfterPackets: Int?, seed: UInt64) {
        channels = identity.channels
        framesPerPacket = identity.framesPerPacket
        sampleRate = identity.sampleRate
        self.gap = gap
        self.realTime = realTime
        self.dropSequences = dropSequences
        self.unplugAfterPackets = unplugAfterPackets
        var rng = SplitMix64(seed: seed)
        players = (0..<identity.channels).map { c in
            let script = c < scripts.count ? scripts[c] : NPSChannelScript(kind: .pore)
            let cal = calibrations[c]
            let open = (0..<1021).map { _ in cal.raw(picoamperes: Double(openPore) + 2.0 * rng.nextGaussian()) }
            return Player(reads: script.reads.filter { !$0.isEmpty }, kind: script.kind, open: open, gap: gap, gapLeft: gap + c % 97)
        }
    }

    /// Starts producing into `sink`.
    func start(sink: any PacketSink) {
        lock.withLock {
            self.sink = sink
            guard !running else { return }
            running = true
            stopRequested = false
            // The thread is not kept: a Thread holds its closure, and the closure this streamer,
            // so keeping it was a cycle that leaked the streamer and its sink (the run's ring,
            // megabytes) after every run.
            let thread = Thread { [self] in produce() }
            thread.name = "precis.sim-nps-stream"
            thread.start()
        }
    }

    /// Stops producing; returns when the thread has ended.
    func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            stopRequested = true
            return running
        }
        if wasRunning { finished.wait() }
    }

    func produce() {
        let packetSize = NPSProtocol.streamHeaderSize + 2 * channels * framesPerPacket
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: packetSize, alignment: 8)
        defer { buffer.deallocate() }
        let start = ContinuousClock.now
        let packetTime = Duration.seconds(Double(framesPerPacket) / Double(sampleRate))
        var sent = 0
        while true {
            let (stop, sink) = lock.withLock { (stopRequested, self.sink) }
            guard !stop, let sink else { break }
            if let limit = unplugAfterPackets, sent >= limit {
                sink.sourceFailed(PrecisError(.disconnected, "the simulated sequencer went away (unplugged)",
                                              hint: "check the USB cable and the power of the sequencer"))
                break
            }
            let last = fill(buffer)
            let flags: UInt8 = (last ? 2 : 0) | (deviceOverflowPending ? 1 : 0)
            let header = NPSPacketHeader(flags: flags, sequence: sequence, firstSample: firstSample,
                                         channels: channels, frames: framesPerPacket)
            header.write(into: buffer)
            if !realTime {
                // As fast as the host takes them: a replay can wait for room, a device at speed cannot.
                while !sink.hasRoom() && !lock.withLock({ stopRequested }) { usleep(50) }
            }
            if !dropSequences.contains(sequence) {
                if sink.deliver(UnsafeRawBufferPointer(buffer)) {
                    deviceOverflowPending = false
                } else {
                    lock.withLock { overflows += 1 }
                    deviceOverflowPending = true
                }
            }
            sequence &+= 1
            firstSample += UInt64(framesPerPacket)
            sent += 1
            lock.withLock { packetsSent &+= 1 }
            if last {
                lock.withLock { playbackComplete = true }
                break
            }
            if realTime {
                let due = start + packetTime * sent
                let ahead = (due - .now).components
                if ahead.seconds > 0 || ahead.attoseconds > 0 {
                    Thread.sleep(forTimeInterval: Double(ahead.seconds) + Double(ahead.attoseconds) / 1e18)
                }
            }
        }
        lock.withLock { running = false }
        finished.signal()
    }

    /// Fills one packet's samples; true when every channel has finished its script. Each
    /// channel writes its frames in one call (`Player.play`, the same samples `next` gives one at
    /// a time), on the players' storage taken once per packet: per sample, the array access and
    /// its exclusivity check cost more than the sample.
    func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        let samples = buffer.baseAddress!.advanced(by: NPSProtocol.streamHeaderSize).assumingMemoryBound(to: Int16.self)
        let channels = self.channels, frames = framesPerPacket
        var playing = false, anyReads = false
        players.withUnsafeMutableBufferPointer { players in
            for c in 0..<channels {
                players[c].play(into: samples + c, stride: channels, count: frames)
                if players[c].kind == .pore && !players[c].done { playing = true }
                if !players[c].reads.isEmpty { anyReads = true }
            }
        }
        return !playing && anyReads
    }

    /// One sample of a channel: the statement `Player.play` keeps to, a run at a time.
    @inline(__always)
    static func next(_ p: inout Player) -> Int16 {
        p.tick &+= 1
        switch p.kind {
        case .noPore: return p.open[p.tick % p.open.count] / 40
        case .saturated: return Int16.max
        case .pore: break
        }
        if !p.inRead {
            if p.gapLeft > 0 || p.read >= p.reads.count {
                p.gapLeft -= 1
                return p.open[p.tick % p.open.count]
            }
            p.inRead = true
            p.position = 0
        }
        let value = p.reads[p.read][p.position]
        p.position += 1
        if p.position == p.reads[p.read].count {
            p.inRead = false
            p.read += 1
            p.gapLeft = p.gap
        }
        return value
    }
}
