import PrecisCore
import PrecisDrivers

/// The device side of the shared frame layer in a simulator: host frames decoded, device
/// frames queued for the instant they are due, delivered in USB-packet-sized chunks, and a
/// cable that can be pulled. Dropped frames still use up a seq; corrupt ones fail their CRC.
public struct SimulatedWire: Sendable {
    var decoder: SeqFrameDecoder
    var outbox: TimedOutbox
    var seq: UInt8 = 0
    var disconnectAt: ContinuousClock.Instant?
    let deviceName: String

    /// A wire for frames of at most `maxPayload` bytes whose types `typeName` names.
    public init(maxPayload: Int, typeName: @escaping @Sendable (UInt8) -> String?, maxChunk: Int, deviceName: String) {
        decoder = SeqFrameDecoder(maxPayload: maxPayload, typeName: typeName)
        outbox = TimedOutbox(maxChunk: maxChunk)
        self.deviceName = deviceName
    }

    /// Decodes bytes the host wrote.
    mutating func receive(_ bytes: [UInt8]) -> [SeqFrameDecoder.Output] { decoder.step(bytes) }

    /// Queues a device frame for `readyAt`.
    mutating func enqueue(type: UInt8, payload: [UInt8], ref: UInt8, at readyAt: ContinuousClock.Instant,
                          drop: Bool = false, corrupt: Bool = false) {
        seq &+= 1
        guard !drop else { return }
        var bytes = SeqFrame(type: type, seq: seq, ref: ref, payload: payload).decodedBytes
        if corrupt { bytes[6] ^= bytes[6] == 0x5A ? 0xA5 : 0x5A }
        var wire = COBS.encode(bytes)
        wire.append(0)
        outbox.enqueue(wire, at: readyAt)
    }

    /// Drops every frame due after `instant` (a run stopped early).
    mutating func cancel(after instant: ContinuousClock.Instant) { outbox.cancel(after: instant) }

    /// Pulls the cable at `instant` (frames due before it still arrive).
    mutating func unplug(at instant: ContinuousClock.Instant) { disconnectAt = min(disconnectAt ?? instant, instant) }

    /// The error every operation gets once the cable is pulled and what was due before is read.
    func disconnection(now: ContinuousClock.Instant) -> PrecisError? {
        guard let disconnectAt, now >= disconnectAt, outbox.nextDue.map({ $0 > disconnectAt }) ?? true else { return nil }
        return PrecisError(.disconnected, "the \(deviceName) went away (unplugged)",
                           hint: "check the USB cable and the power of the instrument")
    }

    /// Up to one packet of the frames due by `now`, or nil when none is due.
    mutating func takeChunk(now: ContinuousClock.Instant) -> [UInt8]? { outbox.takeChunk(now: now) }

    /// When a reader waiting until `deadline` should look again.
    func wake(before deadline: ContinuousClock.Instant, now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        var wake = min(deadline, now + .milliseconds(20))
        if let due = outbox.nextDue { wake = min(wake, due) }
        if let disconnectAt { wake = min(wake, disconnectAt) }
        return wake
    }
}

/// A simulator whose device side is a `SimulatedWire`: it gets the Transport's read for free.
public protocol WireSimulator: Actor {
    /// The simulator's wire.
    var wire: SimulatedWire { get set }
}

extension WireSimulator {
    /// Returns the next bytes the device sent, up to one packet, waiting at most `timeout`.
    func readWire(timeout: Duration) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let now = ContinuousClock.now
            if let error = wire.disconnection(now: now) { throw error }
            if let chunk = wire.takeChunk(now: now) { return chunk }
            guard now < deadline else { throw PrecisError(.timeout, "the simulated \(wire.deviceName) sent nothing") }
            try await Task.sleep(until: wire.wake(before: deadline, now: now), clock: .continuous)
        }
    }

    /// Throws once the cable is pulled.
    func checkConnected() throws {
        if let error = wire.disconnection(now: .now) { throw error }
    }
}
