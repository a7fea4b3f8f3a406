// Device error replies of MethodSCRIPT instruments (protocol.md §7).

/// An error the instrument reported with a `!XXXX` line (protocol.md §7.1).
public struct MethodSCRIPTDeviceError: Sendable, Hashable, CustomStringConvertible {
    /// The 16-bit error code (the four hex digits after `!`).
    public let code: UInt16
    /// The script line the error refers to, when the device said (`Line L`).
    public let line: Int?
    /// The column the error refers to, when the device said (`Col C`).
    public let column: Int?
    /// The reply line exactly as received, for the log.
    public let raw: String

    /// Makes an error.
    public init(code: UInt16, line: Int? = nil, column: Int? = nil, raw: String) {
        self.code = code
        self.line = line
        self.column = column
        self.raw = raw
    }

    /// The code as the device writes it: four upper-case hex digits.
    public var codeText: String {
        let hex = String(code, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// What the code means, from the table, or nil for a code the table lacks.
    public var meaning: String? { MethodSCRIPTTables.errorMeanings[code] }

    /// True for errors raised while loading or running a script (codes 0x4000–0x7FFF).
    public var isScriptError: Bool { code >= 0x4000 }

    /// One line for the technician: code, meaning, place in the script.
    public var description: String {
        var text = "device error 0x\(codeText) (\(meaning ?? "code not in the MethodSCRIPT table"))"
        if let line { text += " at script line \(line)" }
        if let column { text += ", column \(column)" }
        return text
    }
}

extension MethodSCRIPTTables {
    /// Error code → meaning, in our words (protocol.md §7.2). A subset of the vendor's list:
    /// the general errors and the script errors a measurement script can meet.
    public static let errorMeanings: [UInt16: String] = [
        0x0001: "unspecified error",
        0x0002: "invalid variable type",
        0x0003: "command not recognised",
        0x0004: "unknown register",
        0x0005: "register is read-only",
        0x0006: "invalid in the current communication mode (e.g. abort with no script running)",
        0x0007: "argument has an unexpected value",
        0x0008: "command longer than the maximum",
        0x0009: "command timed out",
        0x000B: "not enough memory for this variable",
        0x000C: "no script loaded",
        0x000E: "overflow while averaging a measured value",
        0x000F: "potential not valid",
        0x0010: "a variable became NaN or infinite",
        0x0011: "frequency not valid",
        0x0012: "amplitude not valid",
        0x0014: "OCP measurement impossible while the cell is on",
        0x0015: "CRC invalid",
        0x0016: "flash read or write failed",
        0x0018: "device settings corrupted",
        0x001A: "calibration invalid",
        0x001B: "not supported by this device",
        0x001C: "step potential below one DAC step",
        0x001D: "pulse potential below one DAC step",
        0x001E: "amplitude below one DAC step",
        0x001F: "technique not licensed on this product",
        0x0020: "more than one high-speed or max-range mode enabled",
        0x0021: "PGStat mode not supported",
        0x0023: "command invalid in the selected PGStat mode",
        0x0024: "too many variables to measure",
        0x0032: "critical cell overload, measurement aborted to protect the instrument",
        0x0058: "timing error during a fast measurement",
        0x005A: "instrument cannot meet the requested timing",
        0x4001: "unknown script command",
        0x4004: "unexpected character in the script",
        0x4005: "script too large for the script memory",
        0x4008: "optional argument not valid for this command",
        0x4009: "stored script made for older firmware",
        0x400B: "measurement loop nested in another measurement loop",
        0x400C: "command not supported here",
        0x400D: "scope depth too large",
        0x400E: "command had an invalid effect on scope depth",
        0x4012: "unexpected internal error",
        0x4018: "script ended unexpectedly",
        0x401A: "command not allowed inside a measurement loop",
        0x401B: "pck_start/pck_add/pck_end called out of order",
        0x401C: "too many variables in one package",
        0x4020: "a script command timed out",
        0x4026: "variable declared twice",
        0x4027: "command needs the cell on (cell_on)",
        0x4028: "command needs the cell off (cell_off)",
        0x4029: "technique needs at least one step",
        0x4032: "potential or potential range cannot change inside the measurement loop",
        0x4033: "current or current range cannot change inside the measurement loop",
        0x4036: "command only allowed inside a measurement loop",
        0x4200: "argument may not be negative",
        0x4201: "argument may not be positive",
        0x4202: "argument may not be zero",
        0x4203: "argument must be negative",
        0x4204: "argument must be positive",
        0x4205: "argument outside the allowed bounds",
        0x4206: "argument value not usable on this instrument",
        0x4207: "argument has the wrong data type (float/int)",
        0x4209: "argument variable type invalid for this command",
        0x420A: "unexpected additional argument",
        0x420B: "argument variable not declared",
        0x7FFF: "fatal error, the device must be reset",
    ]
}
