import PrecisCore

/// The `qpcr` wire protocol as tables citing `Firmware-Protocols/qpcr/protocol.md`; the
/// framing is the shared layer of `lfr` protocol.md §2 (`SeqFrame`).
public enum QPCRProtocol {
    /// qpcr protocol.md §2: the largest payload.
    public static let maxPayload = 512
    /// qpcr protocol.md §4: wells per plate.
    public static let wells = 96

    /// Message types, qpcr protocol.md §3 and §4.
    public enum MessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        case identify = 0x01, getStatus = 0x02, uploadProfile = 0x03, startRun = 0x04, abort = 0x05
        case getCycleData = 0x06, getMeltData = 0x07
        case identity = 0x81, status = 0x82, profileAccepted = 0x83, runStarted = 0x84, aborted = 0x85
        case cycleData = 0x90, meltData = 0x91, runDone = 0x92
        case lidClosed = 0xA0, lidOpened = 0xA1
        case error = 0xE0

        /// The spec's name.
        public var description: String {
            switch self {
            case .identify: "IDENTIFY"
            case .getStatus: "GET_STATUS"
            case .uploadProfile: "UPLOAD_PROFILE"
            case .startRun: "START_RUN"
            case .abort: "ABORT"
            case .getCycleData: "GET_CYCLE_DATA"
            case .getMeltData: "GET_MELT_DATA"
            case .identity: "IDENTITY"
            case .status: "STATUS"
            case .profileAccepted: "PROFILE_ACCEPTED"
            case .runStarted: "RUN_STARTED"
            case .aborted: "ABORTED"
            case .cycleData: "CYCLE_DATA"
            case .meltData: "MELT_DATA"
            case .runDone: "RUN_DONE"
            case .lidClosed: "LID_CLOSED"
            case .lidOpened: "LID_OPENED"
            case .error: "ERROR"
            }
        }
    }

    /// qpcr protocol.md §5: code → (name, kind, hint).
    public static let errorCodes: [UInt16: (name: String, kind: ErrorKind, hint: String)] = [
        0x0001: ("UNKNOWN_COMMAND", .protocol, "update the cycler firmware or Precis"),
        0x0002: ("BAD_PAYLOAD", .protocol, "check the thermal profile"),
        0x0003: ("BUSY", .busy, "wait for the running plate or abort it"),
        0x0004: ("NO_PLATE", .deviceFault, "load the plate into the block"),
        0x0005: ("NO_PROFILE", .protocol, "upload the thermal profile again"),
        0x0006: ("LID_OPEN", .deviceFault, "close the lid; a run stopped by an open lid must be repeated"),
        0x0007: ("HEATER_FAULT", .deviceFault, "the cycler needs service (block heater)"),
        0x0008: ("BAD_FRAME", .protocol, "check the USB cable"),
        0x0009: ("NO_SUCH_DATA", .protocol, "repeat the run"),
        0x000A: ("OVERTEMPERATURE", .deviceFault, "the cycler needs service (over-temperature)"),
    ]

    /// An ERROR frame in the shared vocabulary.
    public static func error(_ code: UInt16, _ detail: String, during context: String) -> PrecisError {
        let suffix = detail.isEmpty ? "" : ": \(detail)"
        guard let known = errorCodes[code] else {
            return PrecisError(.deviceFault, "cycler error 0x\(hex4(code)) during \(context)\(suffix)")
        }
        return PrecisError(known.kind, "cycler reported \(known.name) during \(context)\(suffix)", hint: known.hint)
    }

    /// A frame decoder for qpcr's types over the shared layer.
    public static func decoder() -> SeqFrameDecoder {
        SeqFrameDecoder(maxPayload: maxPayload) { MessageType(rawValue: $0)?.description }
    }

    /// Centi-degrees on the wire (u16 set points): °C × 100, rounded.
    static func centi(_ celsius: Double) -> UInt16 { UInt16(max(0, min(65535, (celsius * 100).rounded()))) }
}

/// IDENTITY's fields (qpcr protocol.md §4).
public struct QPCRIdentity: Sendable, Equatable {
    /// Serial number.
    public var serial: String
    /// Firmware version.
    public var firmware: String
    /// Model name.
    public var model: String
    /// Block calibration id.
    public var blockCalibrationID: String
    /// Wells in the block.
    public var wells: Int
    /// Dye channels, in order.
    public var dyes: [String]

    /// Makes an identity.
    public init(serial: String, firmware: String, model: String, blockCalibrationID: String, wells: Int, dyes: [String]) {
        self.serial = serial
        self.firmware = firmware
        self.model = model
        self.blockCalibrationID = blockCalibrationID
        self.wells = wells
        self.dyes = dyes
    }
}

/// STATUS's fields (qpcr protocol.md §4).
public struct QPCRStatus: Sendable, Equatable {
    /// 0 idle, 1 running, 2 melting, 3 done, 4 fault.
    public var state: UInt8
    /// Whether a plate is in the block.
    public var platePresent: Bool
    /// Whether the lid is closed.
    public var lidClosed: Bool
    /// Block temperature, °C.
    public var blockC: Double
    /// Lid temperature, °C.
    public var lidC: Double
    /// The current or last run.
    public var runID: UInt16
    /// The cycle being run.
    public var cycle: Int
    /// Cycles in the run.
    public var totalCycles: Int
    /// Whether the last run ran to its end.
    public var lastRunComplete: Bool

    /// Makes a status.
    public init(state: UInt8, platePresent: Bool, lidClosed: Bool, blockC: Double, lidC: Double, runID: UInt16,
                cycle: Int, totalCycles: Int, lastRunComplete: Bool) {
        self.state = state
        self.platePresent = platePresent
        self.lidClosed = lidClosed
        self.blockC = blockC
        self.lidC = lidC
        self.runID = runID
        self.cycle = cycle
        self.totalCycles = totalCycles
        self.lastRunComplete = lastRunComplete
    }
}

/// One dye's readings of all wells at one cycle or melt point (qpcr protocol.md §4).
public struct QPCRReading: Sendable, Equatable {
    /// The run.
    public var runID: UInt16
    /// The cycle (1-based) for CYCLE_DATA, the point (0-based) for MELT_DATA.
    public var index: Int
    /// The melt point's temperature, °C (nil for cycle data).
    public var temperatureC: Double?
    /// The dye's index in IDENTITY's list.
    public var dye: Int
    /// Fluorescence per well, A1…H12.
    public var values: [UInt32]

    /// Makes a reading.
    public init(runID: UInt16, index: Int, temperatureC: Double? = nil, dye: Int, values: [UInt32]) {
        self.runID = runID
        self.index = index
        self.temperatureC = temperatureC
        self.dye = dye
        self.values = values
    }
}
