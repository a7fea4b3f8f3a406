import Logging
import PrecisCore

/// Drives one lateral-flow reader over any transport (protocol.md §3–§8): identify,
/// status, scan with gap refill, abort. It never opens a transport: it is given one.
public actor LFRDriver: Driver {
    /// The family this driver speaks.
    public static let family: DeviceFamily = "lfr"

    /// How long to wait and how often to retry (protocol.md §8).
    public struct Timing: Sendable {
        /// Wait for a reply to a command before sending it again.
        public var reply: Duration = .milliseconds(800)
        /// Silence between scan frames after which the driver asks GET_STATUS.
        public var dataGap: Duration = .seconds(1)
        /// Sends of one command before giving up.
        public var attempts = 3
        /// The longest a whole scan may take.
        public var scanLimit: Duration = .seconds(120)
        /// Makes the defaults of protocol.md §8.
        public init() {}
    }

    /// What went wrong on the link and was recovered, for the run's record.
    public struct LinkStatistics: Sendable, Equatable {
        /// Chunks the decoder discarded (bad CRC, bad COBS, bad length).
        public var rejectedFrames = 0
        /// Frames missing by the reader's sequence numbers.
        public var sequenceGaps = 0
        /// Commands sent again after a reply timed out.
        public var retries = 0
        /// Readings fetched again with GET_SCAN_DATA.
        public var refilledReadings = 0
        /// Each discarded chunk, described (frame ordinal, type, seq, reason).
        public var rejections: [String] = []
        /// Nothing lost yet.
        public init() {}
    }

    let transport: any Transport
    let timing: Timing
    let logger: Logger
    var decoder = LFRFrameDecoder()
    var inbox: [LFRFrame] = []
    var nextSeq: UInt8 = 1
    var lastReaderSeq: UInt8?
    /// The reflectance count meaning 100 %, as IDENTITY reported it.
    public internal(set) var fullScale: UInt16 = 0xFFFF
    /// What the link lost and recovered so far.
    public internal(set) var statistics = LinkStatistics()
    /// Cartridge events (protocol.md §5) as they arrive.
    public nonisolated let events: AsyncStream<LFREvent>
    let eventSink: AsyncStream<LFREvent>.Continuation

    /// Makes a driver over `transport`, with the protocol's timing unless told otherwise.
    public init(transport: any Transport, timing: Timing = Timing(), logger: Logger = Logger(label: "precis.lfr")) {
        self.transport = transport
        self.timing = timing
        self.logger = logger
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(16))
    }

    /// Asks the reader who it is.
    ///
    /// ```
    /// host ── IDENTIFY seq=n ──▶ reader
    /// host ◀── IDENTITY ref=n ── reader
    /// ```
    public func identify() async throws -> DeviceIdentity {
        let reply = try await exchange(.identify, expecting: .identity)
        guard case .identity(let identity) = reply else { throw unexpected(reply, for: .identify) }
        fullScale = identity.fullScale
        return DeviceIdentity(family: Self.family, serial: identity.serial, firmware: identity.firmware,
                              instrumentCalibrationID: identity.opticsCalibrationID, model: identity.model)
    }

    /// Asks the reader's state.
    ///
    /// ```
    /// host ── GET_STATUS seq=n ──▶ reader
    /// host ◀── STATUS ref=n ────── reader
    /// ```
    public func status() async throws -> LFRStatus {
        let reply = try await exchange(.getStatus, expecting: .status)
        guard case .status(let status) = reply else { throw unexpected(reply, for: .getStatus) }
        return status
    }

    /// Stops any scan; safe when idle.
    ///
    /// ```
    /// host ── ABORT seq=n ──▶ reader
    /// host ◀── ABORTED ref=n ─ reader
    /// ```
    public func abort() async throws {
        _ = try await exchange(.abort, expecting: .aborted)
    }

    /// Closes the transport and ends the event stream.
    public func close() async {
        eventSink.finish()
        await transport.close()
    }

    func unexpected(_ message: LFRMessage, for command: LFRProtocol.MessageType) -> PrecisError {
        PrecisError(.protocol, "reader answered \(command) with \(message.type)")
    }
}

/// An unsolicited event from the reader.
public enum LFREvent: Sendable, Equatable {
    /// A cartridge went in; its id is `<LOT>:<SERIAL>`.
    case cartridgeInserted(String)
    /// The cartridge came out.
    case cartridgeRemoved
}

/// Progress of a scan: how many readings have arrived, and the block that just did.
public struct LFRScanProgress: Sendable {
    /// Readings received so far (each counted once).
    public var received: Int
    /// Readings the scan will yield.
    public var total: Int
    /// The block that just arrived.
    public var block: LFRScanBlock
}
