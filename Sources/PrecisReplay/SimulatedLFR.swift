import PrecisCore
import PrecisDrivers

/// A lateral-flow reader in software: it speaks `Firmware-Protocols/lfr/protocol.md` byte
/// for byte, reads its strip from a recorded line profile, and misbehaves on request.
/// It is a `Transport`, so the real driver talks to it exactly as to a reader on USB.
public actor SimulatedLFR: Transport, WireSimulator {
    /// What the simulated reader is and holds.
    public struct Configuration: Sendable {
        /// Serial number reported by IDENTITY.
        public var serial = "LFR-SIM-0001"
        /// Firmware version reported by IDENTITY.
        public var firmware = "2.3.1"
        /// Optics calibration id reported by IDENTITY.
        public var opticsCalibrationID = "OPT-2026-03"
        /// Model reported by IDENTITY.
        public var model = "LFR-1 (simulated)"
        /// The cartridge in the slot at power-on, `<LOT>:<SERIAL>`; nil for an empty slot.
        public var cartridgeID: String? = "CRP26A07:004217"
        /// The strip's recorded line profile; scans sample it at the positions asked.
        public var profile: LineProfile
        /// Readings per SCAN_DATA frame.
        public var readingsPerFrame = 32
        /// Time per reading (integration + head movement); `.zero` for as fast as possible.
        public var readingInterval: Duration = .milliseconds(4)
        /// Delay before each reply.
        public var replyLatency: Duration = .zero
        /// The largest chunk one read returns (a USB bulk packet is 64 bytes).
        public var maxChunk = 64
        /// Faults to inject.
        public var faults = Faults()

        /// Makes a configuration around a recorded profile.
        public init(profile: LineProfile) { self.profile = profile }
    }

    /// What can go wrong, on purpose. Data frame numbers count SCAN_DATA frames of the first
    /// scan from 1.
    public struct Faults: Sendable {
        /// SCAN_DATA frames sent with a damaged payload (their CRC fails at the host).
        public var corruptDataFrames: Set<Int> = []
        /// SCAN_DATA frames lost in transit.
        public var dropDataFrames: Set<Int> = []
        /// The SCAN_DONE frame is lost.
        public var dropScanDone = false
        /// Replies lost in transit, by command type: the first n replies to it vanish.
        public var dropReplies: [LFRProtocol.MessageType: Int] = [:]
        /// The reader vanishes (cable pulled) after this many SCAN_DATA frames.
        public var disconnectAfterDataFrames: Int?
        /// The cartridge is pulled after this many SCAN_DATA frames.
        public var removeCartridgeAfterDataFrames: Int?
        /// START_SCAN is refused with this error code (protocol.md §6), e.g. 0x0006 LAMP_FAULT.
        public var startScanError: UInt16?
        /// Makes no faults.
        public init() {}
    }

    /// `sim:lfr`.
    public nonisolated let endpointDescription: String
    var config: Configuration
    /// The device side of the frame layer.
    public var wire: SimulatedWire
    var dataFramesSent = 0
    var scanCounter: UInt16 = 0
    var scan: ScanState?
    var cartridge: String?

    struct ScanState {
        var id: UInt16
        var startSeq: UInt8
        var cartridgeID: String
        var positions: [UInt16]
        var readings: [UInt16]
        var endsAt: ContinuousClock.Instant
        var stoppedEarly = false
    }

    /// Powers on a simulated reader.
    public init(_ configuration: Configuration, name: String = "sim:lfr") {
        config = configuration
        cartridge = configuration.cartridgeID
        endpointDescription = name
        wire = SimulatedWire(maxPayload: LFRProtocol.maxPayload, typeName: { LFRProtocol.MessageType(rawValue: $0)?.description },
                             maxChunk: configuration.maxChunk, deviceName: "reader")
    }

    /// Receives host bytes and queues the reader's answers.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        try checkConnected()
        for output in wire.receive(bytes) {
            switch output {
            case .frame(let frame): handle(LFRFrame(frame))
            case .rejected(let error): send(.error(code: 0x0008, detail: String(error.reason.prefix(60))), ref: 0)
            }
        }
    }

    /// Returns the next bytes the reader has sent, up to one USB packet, waiting at most `timeout`.
    public func read(timeout: Duration) async throws -> [UInt8] { try await readWire(timeout: timeout) }

    /// The simulated cable is pulled: every later read and write fails as disconnected.
    public func close() async { unplug() }

    /// Pulls the cable now.
    public func unplug() { wire.unplug(at: .now) }

    /// Puts a cartridge in the slot and announces it (protocol.md §5).
    public func insertCartridge(_ id: String) {
        cartridge = id
        send(.cartridgeInserted(id), ref: 0)
    }

    /// Takes the cartridge out; a running scan stops with CARTRIDGE_REMOVED.
    public func removeCartridge() {
        cartridge = nil
        if var running = scan, ContinuousClock.now < running.endsAt {
            running.stoppedEarly = true
            running.endsAt = .now
            scan = running
            wire.cancel(after: .now)
            send(.error(code: 0x000B, detail: "cartridge removed"), ref: running.startSeq)
        }
        send(.cartridgeRemoved, ref: 0)
    }
}
