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

    /// What went wrong on the link and was recovered.
    public typealias LinkStatistics = PrecisDrivers.LinkStatistics

    let link: FrameLink
    let timing: Timing
    let logger: Logger
    /// The reflectance count meaning 100 %, as IDENTITY reported it.
    public internal(set) var fullScale: UInt16 = 0xFFFF
    /// Cartridge events (protocol.md §5) as they arrive.
    public nonisolated let events: AsyncStream<LFREvent>
    let eventSink: AsyncStream<LFREvent>.Continuation

    /// What the link lost and recovered so far.
    public var statistics: LinkStatistics {
        get async { await link.statistics }
    }

    /// The frame layer's dialect for LFR (protocol.md §2, §5, §6).
    static let dialect = FrameLink.Dialect(
        maxPayload: LFRProtocol.maxPayload,
        typeName: { LFRProtocol.MessageType(rawValue: $0)?.description },
        errorType: LFRProtocol.MessageType.error.rawValue,
        error: { frame, context in
            var r = ByteReader(frame.payload)
            guard let code = try? r.u16("code"), let detail = try? r.shortString("detail") else {
                return PrecisError(.protocol, "malformed ERROR frame during \(context)")
            }
            return readerError(code, detail, during: context)
        },
        isEvent: { $0 == LFRProtocol.MessageType.cartridgeInserted.rawValue
                    || $0 == LFRProtocol.MessageType.cartridgeRemoved.rawValue })

    /// Makes a driver over `transport`, with the protocol's timing unless told otherwise.
    public init(transport: any Transport, timing: Timing = Timing(), logger: Logger = Logger(label: "precis.lfr")) {
        self.timing = timing
        self.logger = logger
        let (events, sink) = AsyncStream.makeStream(of: LFREvent.self, bufferingPolicy: .bufferingNewest(16))
        self.events = events
        eventSink = sink
        link = FrameLink(transport: transport, dialect: Self.dialect, reply: timing.reply, attempts: timing.attempts,
                         logger: logger) { frame in
            switch LFRProtocol.MessageType(rawValue: frame.type) {
            case .cartridgeInserted?:
                var r = ByteReader(frame.payload)
                if let id = try? r.shortString("cartridge_id") { sink.yield(.cartridgeInserted(id)) }
            case .cartridgeRemoved?:
                sink.yield(.cartridgeRemoved)
            default:
                break
            }
        }
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
        await link.close()
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
