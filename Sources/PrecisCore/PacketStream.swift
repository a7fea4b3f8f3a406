/// Where a streaming endpoint's packets go: called on the producer's own thread (libusb's
/// event thread, a simulator's clock thread), once per packet, in order. The bytes are valid
/// only during the call, so a sink copies them once into storage it owns.
public protocol PacketSink: AnyObject, Sendable {
    /// Takes one packet; returns false when there was no room (the sink counts that as an overflow).
    func deliver(_ packet: UnsafeRawBufferPointer) -> Bool
    /// The source stopped for good (unplugged, a transfer error); no `deliver` follows.
    func sourceFailed(_ error: PrecisError)
    /// Whether `deliver` would take a packet now: a source that can wait (a replay as fast as
    /// possible) waits for room; a real device cannot, and its refused packets are overflows.
    func hasRoom() -> Bool
}

/// A bulk-IN streaming endpoint: several transfers in flight, each completed packet handed to
/// a `PacketSink`. Real (libusb) and simulated sources are interchangeable.
///
/// ```
///  device ══ packets ══▶ source (its thread) ── deliver ──▶ sink (ring) ──▶ consumer thread
/// ```
public protocol PacketSource: AnyObject, Sendable {
    /// `usb:1-4.2 ep 0x82`, `sim:nps`.
    var streamDescription: String { get }
    /// Starts delivering to `sink` until `stopStreaming`.
    func startStreaming(into sink: any PacketSink) throws
    /// Stops delivery; when it returns, `deliver` is not called again.
    func stopStreaming() async
}
