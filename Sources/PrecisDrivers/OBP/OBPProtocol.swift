import PrecisCore

/// The Ocean Binary Protocol as tables citing `Firmware-Protocols/obp/protocol.md`.
public enum OBPProtocol {
    /// obp protocol.md §2: the header's size.
    public static let headerSize = 44
    /// obp protocol.md §2: the checksum's size.
    public static let checksumSize = 16
    /// obp protocol.md §2: the footer's size.
    public static let footerSize = 4
    /// obp protocol.md §2: checksum and footer, what `bytes_remaining` counts besides the payload.
    public static let trailerSize = checksumSize + footerSize
    /// obp protocol.md §2: a message without payload.
    public static let minimumMessageSize = headerSize + trailerSize
    /// obp protocol.md §2: the most data `immediate_data` carries.
    public static let maxImmediate = 16
    /// obp protocol.md §2: the largest payload Precis accepts.
    public static let maxPayload = 16_384
    /// obp protocol.md §2: the start bytes, as they are on the wire.
    public static let startBytes: [UInt8] = [0xC1, 0xC0]
    /// obp protocol.md §2: the footer, as it is on the wire.
    public static let footerBytes: [UInt8] = [0xC5, 0xC4, 0xC3, 0xC2]

    /// obp protocol.md §4: code → (meaning, kind, hint). 255 (deferred) is not an error and not here.
    public static let errorCodes: [UInt16: (meaning: String, kind: ErrorKind, hint: String?)] = [
        1: ("invalid or unsupported protocol version", .protocol, "the spectrometer is of another generation than its model entry says"),
        2: ("unknown message type", .protocol, "this model does not offer the request"),
        3: ("bad checksum", .protocol, "the request was damaged on the way: check the USB cable"),
        4: ("message too large", .protocol, nil),
        5: ("payload length does not match the message type", .protocol, nil),
        6: ("payload data invalid", .protocol, "the value is outside what this spectrometer accepts"),
        7: ("device not ready for the message type", .busy, "wait and ask again"),
        8: ("unknown checksum type", .protocol, nil),
        9: ("device reset unexpectedly", .deviceFault, "unplug and replug the spectrometer; its settings are lost"),
        10: ("commands came from too many bus interfaces", .busy, "another program drives the spectrometer over another interface"),
        11: ("device out of memory", .deviceFault, "power-cycle the spectrometer"),
        12: ("the requested information does not exist on the device", .calibration,
             "the spectrometer holds no such data (a wavelength calibration, say): have it calibrated"),
        13: ("internal device error", .deviceFault, "the spectrometer needs service"),
        100: ("could not decrypt (firmware update)", .deviceFault, "the spectrometer needs service"),
        101: ("firmware layout invalid", .deviceFault, "the spectrometer needs service"),
        102: ("data packet was the wrong size (firmware update)", .deviceFault, "the spectrometer needs service"),
        103: ("hardware revision not compatible with the firmware", .deviceFault, "the spectrometer needs service"),
        104: ("flash map not compatible with the firmware", .deviceFault, "the spectrometer needs service"),
    ]

    /// obp protocol.md §4: the code that means "deferred, keep waiting".
    public static let deferredCode: UInt16 = 255

    /// A NACK or an exception in the shared vocabulary, given what it answered.
    public static func error(code: UInt16, exception: Bool, during context: String) -> PrecisError {
        let known = errorCodes[code]
        let meaning = known?.meaning ?? "error \(code)"
        if exception {
            return PrecisError(.deviceFault, "spectrometer reported a hardware exception during \(context): \(meaning)",
                               hint: "the result of the request may be invalid; check the spectrometer")
        }
        guard let known else { return PrecisError(.deviceFault, "spectrometer refused \(context) with error \(code)") }
        return PrecisError(known.kind, "spectrometer refused \(context): \(meaning) (error \(code))", hint: known.hint)
    }
}

/// A protocol generation: the header's `protocol_version` (obp protocol.md §2).
public enum OBPProtocolVersion: UInt16, Sendable, CaseIterable, CustomStringConvertible {
    /// STS, QE Pro (obp protocol.md §5).
    case v1 = 0x1100
    /// Ocean ST, SR, HR (obp protocol.md §6).
    case v2 = 0x2000
    /// `0x1100`.
    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// The header's flags (obp protocol.md §3).
public struct OBPFlags: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public var rawValue: UInt16
    /// Makes flags from their bits.
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Bit 0, set by the device: the message answers a request.
    public static let response = OBPFlags(rawValue: 0x0001)
    /// Bit 1, set by the device: the request was carried out.
    public static let ack = OBPFlags(rawValue: 0x0002)
    /// Bit 2, set by the host: answer with an ACK or a NACK.
    public static let ackRequested = OBPFlags(rawValue: 0x0004)
    /// Bit 3, set by the device: the request was refused; `error` says why.
    public static let nack = OBPFlags(rawValue: 0x0008)
    /// Bit 4, set by the device: the hardware failed.
    public static let exception = OBPFlags(rawValue: 0x0010)
    /// Bit 5, set by the device: the request's protocol version is deprecated.
    public static let deprecated = OBPFlags(rawValue: 0x0020)
}

/// The checksum types (obp protocol.md §2.1).
public enum OBPChecksumType: UInt8, Sendable {
    /// 16 zero bytes, not checked.
    case none = 0
    /// The MD5 of header and payload.
    case md5 = 1
}

/// The message types Precis sends, both generations (obp protocol.md §5, §6).
public enum OBPMessageType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case getFirmwareRevision = 0x0000_0090
    case getSerialNumber = 0x0000_0100
    case getSerialNumberLength = 0x0000_0101
    case getBufferedSpectrum32WithMetadata = 0x0010_0928
    case getRawSpectrumNow = 0x0010_1100
    case setIntegrationTime = 0x0011_0010
    case getScansToAverage = 0x0012_0000
    case setScansToAverage = 0x0012_0010
    case getWavelengthCoefficientCount = 0x0018_0100
    case getWavelengthCoefficient = 0x0018_0101
    case getNonlinearityCoefficientCount = 0x0018_1100
    case getNonlinearityCoefficient = 0x0018_1101
    case setIntegrationTime2 = 0x0000_0C01
    case getWavelengthCoefficients2 = 0x0000_1100
    case getNonlinearityCoefficients2 = 0x0000_1200
    case getSpectrum2 = 0x0000_1C00

    /// The spec's name.
    public var description: String {
        switch self {
        case .getFirmwareRevision: "GET_FIRMWARE_REVISION"
        case .getSerialNumber: "GET_SERIAL_NUMBER"
        case .getSerialNumberLength: "GET_SERIAL_NUMBER_LENGTH"
        case .getBufferedSpectrum32WithMetadata: "GET_BUF_SPEC32_META"
        case .getRawSpectrumNow: "GET_RAW_SPECTRUM_NOW"
        case .setIntegrationTime, .setIntegrationTime2: "SET_INTEGRATION_TIME"
        case .getScansToAverage: "GET_SCANS_TO_AVERAGE"
        case .setScansToAverage: "SET_SCANS_TO_AVERAGE"
        case .getWavelengthCoefficientCount: "GET_WL_COEFF_COUNT"
        case .getWavelengthCoefficient: "GET_WL_COEFF"
        case .getNonlinearityCoefficientCount: "GET_NL_COEFF_COUNT"
        case .getNonlinearityCoefficient: "GET_NL_COEFF"
        case .getWavelengthCoefficients2: "GET_WL_COEFFS"
        case .getNonlinearityCoefficients2: "GET_NL_COEFFS"
        case .getSpectrum2: "GET_SPECTRUM"
        }
    }

    /// The generation that has it (GET_SERIAL_NUMBER: both).
    public var versions: [OBPProtocolVersion] {
        switch self {
        case .getSerialNumber: [.v1, .v2]
        case .setIntegrationTime2, .getWavelengthCoefficients2, .getNonlinearityCoefficients2, .getSpectrum2: [.v2]
        default: [.v1]
        }
    }

    /// Whether it sets something (answered by an ACK, obp protocol.md §3) rather than asks.
    public var isSet: Bool { self == .setIntegrationTime || self == .setIntegrationTime2 || self == .setScansToAverage }

    /// The name of a message type, known or not: `GET_SERIAL_NUMBER`, `0x00abcdef`.
    public static func name(_ code: UInt32) -> String {
        if let known = OBPMessageType(rawValue: code) { return known.description }
        let digits = String(code, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
