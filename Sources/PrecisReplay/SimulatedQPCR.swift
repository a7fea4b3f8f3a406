import PrecisCore
import PrecisDrivers

/// A 96-well real-time PCR cycler in software: it speaks `Firmware-Protocols/qpcr/protocol.md`
/// byte for byte and plays the fluorescence of a recorded (or synthetic) plate, one
/// acquisition per cycle, then the melt; with fault knobs.
public actor SimulatedQPCR: Transport, WireSimulator {
    /// What the simulated cycler is and holds.
    public struct Configuration: Sendable {
        /// Serial number.
        public var serial = "QPCR-SIM-0001"
        /// Firmware version.
        public var firmware = "1.8.0"
        /// Model.
        public var model = "QC-96 (simulated)"
        /// Block calibration id.
        public var blockCalibrationID = "BLK-2026-02"
        /// Dye channels of the optics, in order.
        public var dyes = ["FAM", "HEX", "ROX", "Cy5"]
        /// The recorded plate played back, by dye name; dyes it lacks read a flat baseline.
        public var plate: QPCRPlateData
        /// Whether a plate is in the block.
        public var platePresent = true
        /// Time per cycle; `.zero` for as fast as possible.
        public var cycleInterval: Duration = .milliseconds(40)
        /// Time per melt point.
        public var meltInterval: Duration = .milliseconds(5)
        /// The largest chunk one read returns.
        public var maxChunk = 64
        /// Faults to inject.
        public var faults = Faults()
        /// Makes a configuration around a recorded plate.
        public init(plate: QPCRPlateData) { self.plate = plate }
    }

    /// What can go wrong, on purpose. Data frames (CYCLE_DATA and MELT_DATA) count from 1.
    public struct Faults: Sendable {
        /// Data frames sent damaged.
        public var corruptDataFrames: Set<Int> = []
        /// Data frames lost.
        public var dropDataFrames: Set<Int> = []
        /// RUN_DONE is lost.
        public var dropRunDone = false
        /// The cycler vanishes after this many data frames.
        public var disconnectAfterDataFrames: Int?
        /// The lid is opened after this many data frames (the run stops).
        public var openLidAfterDataFrames: Int?
        /// START_RUN is refused with this code (qpcr protocol.md §5).
        public var startRunError: UInt16?
        /// Makes no faults.
        public init() {}
    }

    /// `sim:qpcr`.
    public nonisolated let endpointDescription: String
    /// The device side of the frame layer.
    public var wire: SimulatedWire
    var config: Configuration
    var profiles: [UInt16: ThermalProfile] = [:]
    var runCounter: UInt16 = 0
    var run: RunState?
    var dataFrames = 0
    var lidClosed = true

    struct RunState {
        var id: UInt16
        var startSeq: UInt8
        var cycles: Int
        var meltPoints: Int
        var dyes: [Int]
        var temperatures: [Double]
        var endsAt: ContinuousClock.Instant
        var stoppedEarly = false
    }

    /// Powers on a simulated cycler.
    public init(_ configuration: Configuration, name: String = "sim:qpcr") {
        config = configuration
        endpointDescription = name
        wire = SimulatedWire(maxPayload: QPCRProtocol.maxPayload,
                             typeName: { QPCRProtocol.MessageType(rawValue: $0)?.description },
                             maxChunk: configuration.maxChunk, deviceName: "cycler")
    }

    /// Receives host bytes and queues the cycler's answers.
    public func write(_ bytes: [UInt8], timeout: Duration) async throws {
        try checkConnected()
        for output in wire.receive(bytes) {
            switch output {
            case .frame(let frame): handle(frame)
            case .rejected(let error): send(.error(code: 0x0008, detail: String(error.reason.prefix(60))), ref: 0)
            }
        }
    }

    /// Returns the next bytes the cycler sent, up to one USB packet, waiting at most `timeout`.
    public func read(timeout: Duration) async throws -> [UInt8] { try await readWire(timeout: timeout) }

    /// Pulls the cable.
    public func close() async { wire.unplug(at: .now) }

    /// Opens the lid now: a run stops with LID_OPEN.
    public func openLid() {
        lidClosed = false
        if var state = run, ContinuousClock.now < state.endsAt {
            state.stoppedEarly = true
            state.endsAt = .now
            run = state
            wire.cancel(after: .now)
            send(.error(code: 0x0006, detail: "lid opened"), ref: state.startSeq)
        }
        send(.lidOpened, ref: 0)
    }

    /// Queues a message now (or at `readyAt`).
    func send(_ message: QPCRMessage, ref: UInt8, at readyAt: ContinuousClock.Instant = .now,
              drop: Bool = false, corrupt: Bool = false) {
        wire.enqueue(type: message.type.rawValue, payload: message.payload, ref: ref, at: readyAt, drop: drop, corrupt: corrupt)
    }
}
