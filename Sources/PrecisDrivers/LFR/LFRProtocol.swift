import PrecisCore

/// The `lfr` wire protocol: frames, message types and error codes, as tables that cite
/// `Firmware-Protocols/lfr/protocol.md`.
public enum LFRProtocol {
    /// protocol.md §2: the largest payload.
    public static let maxPayload = 512
    /// protocol.md §5: readings per SCAN_DATA frame at most.
    public static let maxReadingsPerFrame = 64
    /// protocol.md §4.1: readings per scan at most.
    public static let maxReadingsPerScan = 4096

    /// Message types, protocol.md §4 (host → reader) and §5 (reader → host).
    public enum MessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        case identify = 0x01, getStatus = 0x02, startScan = 0x03, abort = 0x04, getScanData = 0x05
        case identity = 0x81, status = 0x82, scanStarted = 0x83, aborted = 0x84
        case scanData = 0x90, scanDone = 0x91
        case cartridgeInserted = 0xA0, cartridgeRemoved = 0xA1
        case error = 0xE0

        /// The name the spec uses: `SCAN_DATA`.
        public var description: String {
            switch self {
            case .identify: "IDENTIFY"
            case .getStatus: "GET_STATUS"
            case .startScan: "START_SCAN"
            case .abort: "ABORT"
            case .getScanData: "GET_SCAN_DATA"
            case .identity: "IDENTITY"
            case .status: "STATUS"
            case .scanStarted: "SCAN_STARTED"
            case .aborted: "ABORTED"
            case .scanData: "SCAN_DATA"
            case .scanDone: "SCAN_DONE"
            case .cartridgeInserted: "CARTRIDGE_INSERTED"
            case .cartridgeRemoved: "CARTRIDGE_REMOVED"
            case .error: "ERROR"
            }
        }
    }

    /// One row of protocol.md §6: a reader error code, its name, and how the host treats it.
    public struct ErrorCode: Sendable {
        /// The code on the wire.
        public let code: UInt16
        /// The spec's name.
        public let name: String
        /// The shared error kind the runtime reacts to.
        public let kind: ErrorKind
        /// What to tell the technician to do.
        public let hint: String
    }

    /// protocol.md §6.
    public static let errorCodes: [UInt16: ErrorCode] = Dictionary(uniqueKeysWithValues: [
        ErrorCode(code: 0x0001, name: "UNKNOWN_COMMAND", kind: .protocol, hint: "update the reader firmware or Precis"),
        ErrorCode(code: 0x0002, name: "BAD_PAYLOAD", kind: .protocol, hint: "check the assay's scan settings"),
        ErrorCode(code: 0x0003, name: "BUSY", kind: .busy, hint: "wait for the running scan or abort it"),
        ErrorCode(code: 0x0004, name: "NO_CARTRIDGE", kind: .deviceFault, hint: "insert a cartridge"),
        ErrorCode(code: 0x0005, name: "CARTRIDGE_MISMATCH", kind: .deviceFault, hint: "check which cartridge is in the slot"),
        ErrorCode(code: 0x0006, name: "LAMP_FAULT", kind: .deviceFault, hint: "the reader needs service (lamp)"),
        ErrorCode(code: 0x0007, name: "MOTOR_FAULT", kind: .deviceFault, hint: "the reader needs service (optical head)"),
        ErrorCode(code: 0x0008, name: "BAD_FRAME", kind: .protocol, hint: "check the USB cable"),
        ErrorCode(code: 0x0009, name: "NO_SUCH_DATA", kind: .protocol, hint: "repeat the scan"),
        ErrorCode(code: 0x000A, name: "TEMPERATURE", kind: .deviceFault, hint: "let the reader reach room temperature (15-35 °C)"),
        ErrorCode(code: 0x000B, name: "CARTRIDGE_REMOVED", kind: .deviceFault, hint: "leave the cartridge in the slot until the result shows"),
    ].map { ($0.code, $0) })
}

/// A decoded frame (protocol.md §2): header fields and payload; the CRC is checked on decode
/// and computed on encode.
public struct LFRFrame: Sendable, Equatable {
    /// The message type.
    public var type: LFRProtocol.MessageType
    /// The sender's frame counter.
    public var seq: UInt8
    /// The host command this frame answers, or 0.
    public var ref: UInt8
    /// The message's fields.
    public var payload: [UInt8]

    /// Makes a frame.
    public init(type: LFRProtocol.MessageType, seq: UInt8, ref: UInt8 = 0, payload: [UInt8] = []) {
        self.type = type
        self.seq = seq
        self.ref = ref
        self.payload = payload
    }

    /// The frame in the shared layer's terms.
    public var seqFrame: SeqFrame { SeqFrame(type: type.rawValue, seq: seq, ref: ref, payload: payload) }

    /// The frame without COBS: header, payload and CRC.
    public var decodedBytes: [UInt8] { seqFrame.decodedBytes }

    /// The frame as it goes on the wire: COBS-encoded, then the 0x00 delimiter.
    public func encoded() -> [UInt8] {
        precondition(payload.count <= LFRProtocol.maxPayload, "payload over \(LFRProtocol.maxPayload) bytes")
        return seqFrame.encoded()
    }

    /// One line for logs: `SCAN_DATA seq=42 ref=2 (133 B)`.
    public var summary: String { "\(type) seq=\(seq) ref=\(ref) (\(payload.count) B)" }
}
