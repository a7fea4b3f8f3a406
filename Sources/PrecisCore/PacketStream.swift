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

/// What a streaming family's packet says of itself, as the generic ring's consumer needs it:
/// its counter, the index of its first frame, how many frames it holds, whether it is the last
/// of the acquisition, and where its samples (interleaved little-endian Int16, channel-major
/// per frame) begin.
public struct StreamPacketHeader: Sendable, Equatable {
    public var sequence: UInt32
    public var firstSample: UInt64
    public var frames: Int
    public var isLast: Bool
    /// Bytes before the samples.
    public var payloadOffset: Int
    public init(sequence: UInt32, firstSample: UInt64, frames: Int, isLast: Bool, payloadOffset: Int) {
        self.sequence = sequence
        self.firstSample = firstSample
        self.frames = frames
        self.isLast = isLast
        self.payloadOffset = payloadOffset
    }
}

/// A streaming family's packet format, given by its driver to the generic pipeline, so that
/// the pipeline reads packets without knowing any family's header.
public protocol StreamPacketDecoder: Sendable {
    /// The bytes of a header (for counting the frames of packets lost whole).
    var headerSize: Int { get }
    /// The header of `packet`, checked against the stream's channels; nil when it is corrupt.
    func header(_ packet: UnsafeRawBufferPointer) -> StreamPacketHeader?
}
