import PrecisCore

/// START_SCAN's fields (protocol.md §4.1).
public struct LFRScanRequest: Sendable, Equatable {
    /// The cartridge the host expects in the slot.
    public var cartridgeID: String
    /// First position, µm.
    public var startUM: UInt16
    /// Last position, µm.
    public var endUM: UInt16
    /// Step between readings, µm.
    public var stepUM: UInt16
    /// Integration per reading, ms.
    public var integrationMS: UInt8
    /// LED drive, %.
    public var ledPercent: UInt8

    /// Makes a request.
    public init(cartridgeID: String, startUM: UInt16, endUM: UInt16, stepUM: UInt16,
                integrationMS: UInt8, ledPercent: UInt8) {
        self.cartridgeID = cartridgeID
        self.startUM = startUM
        self.endUM = endUM
        self.stepUM = stepUM
        self.integrationMS = integrationMS
        self.ledPercent = ledPercent
    }

    /// How many readings the scan yields, or nil when the fields are out of range (§4.1).
    public var readingCount: Int? {
        guard stepUM > 0, endUM >= startUM, (1...100).contains(integrationMS), (1...100).contains(ledPercent)
        else { return nil }
        let count = Int(endUM - startUM) / Int(stepUM) + 1
        return count <= LFRProtocol.maxReadingsPerScan ? count : nil
    }
}

/// A command from host to reader (protocol.md §4).
public enum LFRCommand: Sendable, Equatable {
    case identify
    case getStatus
    case startScan(LFRScanRequest)
    case abort
    case getScanData(scanID: UInt16, first: UInt16, count: UInt16)

    /// The type byte.
    public var type: LFRProtocol.MessageType {
        switch self {
        case .identify: .identify
        case .getStatus: .getStatus
        case .startScan: .startScan
        case .abort: .abort
        case .getScanData: .getScanData
        }
    }

    /// The payload bytes.
    public var payload: [UInt8] {
        var w = ByteWriter()
        switch self {
        case .identify, .getStatus, .abort: break
        case .startScan(let r):
            w.shortString(r.cartridgeID)
            w.u16(r.startUM); w.u16(r.endUM); w.u16(r.stepUM)
            w.u8(r.integrationMS); w.u8(r.ledPercent)
        case let .getScanData(scanID, first, count):
            w.u16(scanID); w.u16(first); w.u16(count)
        }
        return w.bytes
    }

    /// Reads a command from a frame the reader received.
    public init(frame: LFRFrame) throws {
        var r = ByteReader(frame.payload)
        switch frame.type {
        case .identify: self = .identify
        case .getStatus: self = .getStatus
        case .abort: self = .abort
        case .startScan:
            self = .startScan(LFRScanRequest(
                cartridgeID: try r.shortString("cartridge_id"), startUM: try r.u16("start_um"),
                endUM: try r.u16("end_um"), stepUM: try r.u16("step_um"),
                integrationMS: try r.u8("integration_ms"), ledPercent: try r.u8("led_percent")))
        case .getScanData:
            self = .getScanData(scanID: try r.u16("scan_id"), first: try r.u16("first"), count: try r.u16("count"))
        default:
            throw PrecisError(.protocol, "\(frame.type) is not a host command")
        }
        try r.expectEnd("\(frame.type) payload")
    }
}

/// IDENTITY's fields (protocol.md §5).
public struct LFRIdentity: Sendable, Equatable {
    /// Serial number.
    public var serial: String
    /// Firmware version.
    public var firmware: String
    /// Optics calibration id.
    public var opticsCalibrationID: String
    /// Model name.
    public var model: String
    /// The reflectance count meaning 100 %.
    public var fullScale: UInt16

    /// Makes an identity.
    public init(serial: String, firmware: String, opticsCalibrationID: String, model: String, fullScale: UInt16) {
        self.serial = serial
        self.firmware = firmware
        self.opticsCalibrationID = opticsCalibrationID
        self.model = model
        self.fullScale = fullScale
    }
}

/// STATUS's fields (protocol.md §5).
public struct LFRStatus: Sendable, Equatable {
    /// 0 idle, 1 scanning, 2 fault.
    public var state: UInt8
    /// Whether a cartridge is in the slot.
    public var cartridgePresent: Bool
    /// The cartridge's id, empty when none.
    public var cartridgeID: String
    /// Optics temperature, 0.01 °C.
    public var temperatureCentiDegrees: Int16
    /// The id of the last scan started.
    public var lastScanID: UInt16
    /// Whether the last scan ran to its end.
    public var lastScanComplete: Bool

    /// Makes a status.
    public init(state: UInt8, cartridgePresent: Bool, cartridgeID: String, temperatureCentiDegrees: Int16,
                lastScanID: UInt16, lastScanComplete: Bool) {
        self.state = state
        self.cartridgePresent = cartridgePresent
        self.cartridgeID = cartridgeID
        self.temperatureCentiDegrees = temperatureCentiDegrees
        self.lastScanID = lastScanID
        self.lastScanComplete = lastScanComplete
    }
}

/// SCAN_DATA's fields (protocol.md §5).
public struct LFRScanBlock: Sendable, Equatable {
    /// The scan these readings belong to.
    public var scanID: UInt16
    /// Index of the first reading.
    public var first: Int
    /// Positions, µm.
    public var positionsUM: [UInt16]
    /// Reflectance counts.
    public var reflectance: [UInt16]

    /// Makes a block.
    public init(scanID: UInt16, first: Int, positionsUM: [UInt16], reflectance: [UInt16]) {
        self.scanID = scanID
        self.first = first
        self.positionsUM = positionsUM
        self.reflectance = reflectance
    }
}

/// A message from reader to host (protocol.md §5).
public enum LFRMessage: Sendable, Equatable {
    case identity(LFRIdentity)
    case status(LFRStatus)
    case scanStarted(scanID: UInt16, total: Int)
    case aborted(scanID: UInt16)
    case scanData(LFRScanBlock)
    case scanDone(scanID: UInt16, total: Int, checksum: UInt16)
    case cartridgeInserted(String)
    case cartridgeRemoved
    case error(code: UInt16, detail: String)
}
