import Logging
import PrecisCore

/// Drives one real-time PCR cycler over any transport (qpcr protocol.md): identify, status,
/// profile upload, a run with per-cycle fluorescence and the melt, gap refill, abort.
public actor QPCRDriver: Driver {
    /// The family this driver speaks.
    public static let family: DeviceFamily = "qpcr"

    /// How long to wait and how often to retry (qpcr protocol.md §7).
    public struct Timing: Sendable {
        /// Wait for a reply to a command before sending it again.
        public var reply: Duration = .milliseconds(800)
        /// Silence during a run after which the driver asks GET_STATUS.
        public var dataGap: Duration = .seconds(240)
        /// Silence after the last expected frame (the last melt point, or the last cycle of a
        /// run without a melt) after which the driver asks GET_STATUS: a lost RUN_DONE costs
        /// this, not `dataGap` (qpcr protocol.md §6).
        public var doneGap: Duration = .seconds(10)
        /// Sends of one command before giving up.
        public var attempts = 3
        /// The longest a whole run may take.
        public var runLimit: Duration = .seconds(4 * 3600)
        /// Makes the defaults.
        public init() {}
    }

    /// Progress of a run: which reading just arrived and how far the run is.
    public struct Progress: Sendable {
        /// Cycle readings received (cycles × dyes, each once).
        public var cycleReadings: Int
        /// Melt readings received (points × dyes, each once).
        public var meltReadings: Int
        /// Readings the run will yield in all.
        public var total: Int
        /// The reading that just arrived.
        public var reading: QPCRReading
        /// True for a melt reading.
        public var isMelt: Bool
    }

    let link: FrameLink
    let timing: Timing
    let logger: Logger
    var identityCache: QPCRIdentity?
    var nextProfileID: UInt16 = 1
    /// Lid events as they arrive: true when the lid closes, false when it opens.
    public nonisolated let lidEvents: AsyncStream<Bool>

    /// What the link lost and recovered so far.
    public var statistics: LinkStatistics {
        get async { await link.statistics }
    }

    static let dialect = FrameLink.Dialect(
        maxPayload: QPCRProtocol.maxPayload,
        typeName: { QPCRProtocol.MessageType(rawValue: $0)?.description },
        errorType: QPCRProtocol.MessageType.error.rawValue,
        error: { frame, context in
            guard case let .error(code, detail)? = try? QPCRMessage(frame: frame) else {
                return PrecisError(.protocol, "malformed ERROR frame during \(context)")
            }
            return QPCRProtocol.error(code, detail, during: context)
        },
        isEvent: { $0 == QPCRProtocol.MessageType.lidOpened.rawValue || $0 == QPCRProtocol.MessageType.lidClosed.rawValue })

    /// Makes a driver over `transport`.
    public init(transport: any Transport, timing: Timing = Timing(), logger: Logger = Logger(label: "precis.qpcr")) {
        self.timing = timing
        self.logger = logger
        let (events, sink) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(16))
        lidEvents = events
        link = FrameLink(transport: transport, dialect: Self.dialect, reply: timing.reply, attempts: timing.attempts,
                         logger: logger) { frame in
            sink.yield(frame.type == QPCRProtocol.MessageType.lidClosed.rawValue)
        }
    }

    /// Asks the cycler who it is.
    ///
    /// ```
    /// host ── IDENTIFY seq=n ──▶ cycler
    /// host ◀── IDENTITY ref=n ── cycler   (serial, firmware, wells, dyes)
    /// ```
    public func identify() async throws -> DeviceIdentity {
        let identity = try await qpcrIdentity()
        return DeviceIdentity(family: Self.family, serial: identity.serial, firmware: identity.firmware,
                              instrumentCalibrationID: identity.blockCalibrationID, model: identity.model)
    }

    /// The cycler's IDENTITY, asked once and kept.
    public func qpcrIdentity() async throws -> QPCRIdentity {
        if let identityCache { return identityCache }
        guard case .identity(let identity) = try await exchange(.identify, expecting: .identity) else {
            throw PrecisError(.protocol, "cycler answered IDENTIFY with something else")
        }
        identityCache = identity
        return identity
    }

    /// Asks the cycler's state.
    ///
    /// ```
    /// host ── GET_STATUS seq=n ──▶ cycler
    /// host ◀── STATUS ref=n ────── cycler
    /// ```
    public func status() async throws -> QPCRStatus {
        guard case .status(let status) = try await exchange(.getStatus, expecting: .status) else {
            throw PrecisError(.protocol, "cycler answered GET_STATUS with something else")
        }
        return status
    }

    /// Stops any run; safe when idle.
    ///
    /// ```
    /// host ── ABORT seq=n ──▶ cycler
    /// host ◀── ABORTED ref=n ─ cycler
    /// ```
    public func abort() async throws {
        _ = try await exchange(.abort, expecting: .aborted)
    }

    /// Closes the transport.
    public func close() async { await link.close() }

    func exchange(_ command: QPCRCommand, expecting: QPCRProtocol.MessageType) async throws -> QPCRMessage {
        try QPCRMessage(frame: try await link.exchange(type: command.type.rawValue, payload: command.payload,
                                                       expecting: expecting.rawValue))
    }
}
