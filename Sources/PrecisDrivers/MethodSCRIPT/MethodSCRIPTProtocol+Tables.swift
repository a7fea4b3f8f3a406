// The wire tables of MethodSCRIPT. Every table cites the section of
// Firmware-Protocols/methodscript/protocol.md it transcribes; change both together.

/// One MethodSCRIPT variable type: the two letters on the wire, a name and the SI unit.
public struct MethodSCRIPTVariableType: Sendable, Hashable, CustomStringConvertible {
    /// The two lower-case letters that open a variable in a data package (`da`, `ba`).
    public let code: String
    /// What the variable is, in words.
    public let name: String
    /// The unit of the decoded value (`V`, `A`, `Ω`, `s`; empty for plain numbers).
    public let unit: String
    /// The kind of range the variable's `2xx` metadata names (protocol.md §6.6).
    public let rangeKind: MethodSCRIPTRangeKind

    /// Makes a variable type.
    public init(code: String, name: String, unit: String, rangeKind: MethodSCRIPTRangeKind) {
        self.code = code
        self.name = name
        self.unit = unit
        self.rangeKind = rangeKind
    }

    /// The code, for messages.
    public var description: String { code }

    /// The type for `code`, or an "unknown" type with no unit when the table does not know it.
    public static func lookup(_ code: String) -> MethodSCRIPTVariableType {
        MethodSCRIPTTables.variableTypes[code]
            ?? MethodSCRIPTVariableType(code: code, name: "unknown", unit: "", rangeKind: .none)
    }
}

/// Which range table a variable's range metadata indexes (protocol.md §6.6).
public enum MethodSCRIPTRangeKind: String, Sendable, Hashable {
    /// A current range: currents, and `cc` (Z real), which carries the current range.
    case current
    /// A potential range: potentials, and `cd` (Z imaginary), which carries the potential range.
    case potential
    /// Neither (frequency, time, counts).
    case none
}

/// The instruments whose range tables differ (protocol.md §6.7, §6.8).
public enum MethodSCRIPTDeviceType: String, Sendable, Hashable, Codable {
    /// EmStat Pico module or development board (also the Sensit Wearable).
    case emStatPico = "EmStat Pico"
    /// EmStat4 LR or HR.
    case emStat4 = "EmStat4"
    /// Anything else.
    case unknown = "unknown"

    /// The device type named by the start of a `t` reply (protocol.md §3.1).
    public static func fromFirmware(_ firmware: String) -> MethodSCRIPTDeviceType {
        MethodSCRIPTTables.firmwarePrefixes.first { firmware.hasPrefix($0.prefix) }?.device ?? .unknown
    }
}

/// A current range of an instrument, from a variable's `2xx` metadata.
public struct MethodSCRIPTCurrentRange: Sendable, Hashable {
    /// The range code as sent (the two hex digits after `2`).
    public let code: Int
    /// The nominal full scale, A.
    public let fullScale: Double
    /// True for the EmStat Pico's high-speed ranges (code bit 0x80 set).
    public let highSpeed: Bool
    /// The vendor's label, e.g. `25 uA (High speed)`.
    public let label: String
}

/// The static tables: SI prefixes, variable types, ranges, error codes.
public enum MethodSCRIPTTables {
    /// The offset subtracted from the 7 hex digits of a value (protocol.md §6.2): 2^27.
    public static let valueOffset = 0x800_0000

    /// SI prefix character → factor (protocol.md §6.3). `i` marks an integer (factor 1).
    /// The factors are the decimal literals, so a value is `Double(raw) * factor`,
    /// bit for bit what the vendor's parsers compute.
    public static let siPrefixes: [UInt8: Double] = [
        UInt8(ascii: "a"): 1e-18, UInt8(ascii: "f"): 1e-15, UInt8(ascii: "p"): 1e-12,
        UInt8(ascii: "n"): 1e-9, UInt8(ascii: "u"): 1e-6, UInt8(ascii: "m"): 1e-3,
        UInt8(ascii: " "): 1e0, UInt8(ascii: "k"): 1e3, UInt8(ascii: "M"): 1e6,
        UInt8(ascii: "G"): 1e9, UInt8(ascii: "T"): 1e12, UInt8(ascii: "P"): 1e15,
        UInt8(ascii: "E"): 1e18, UInt8(ascii: "i"): 1e0,
    ]

    /// The prefixes a script literal or an encoder may use, largest factor first (protocol.md §4.1, §6.3).
    public static let scalingPrefixes: [(prefix: Character, factor: Double)] = [
        ("E", 1e18), ("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3), (" ", 1e0),
        ("m", 1e-3), ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15), ("a", 1e-18),
    ]

    private static func type(_ code: String, _ name: String, _ unit: String) -> MethodSCRIPTVariableType {
        let kind: MethodSCRIPTRangeKind
        switch unit {
        case "A", "Arms": kind = .current
        case "V", "Vrms": kind = .potential
        default: kind = code == "cc" ? .current : code == "cd" ? .potential : .none
        }
        return MethodSCRIPTVariableType(code: code, name: name, unit: unit, rangeKind: kind)
    }

    /// Variable types by code (protocol.md §6.4).
    public static let variableTypes: [String: MethodSCRIPTVariableType] = {
        let list: [(String, String, String)] = [
            ("aa", "unknown", ""), ("ab", "WE vs RE potential", "V"), ("ac", "CE vs GND potential", "V"),
            ("ad", "SE vs GND potential", "V"), ("ae", "RE vs GND potential", "V"),
            ("af", "WE vs GND potential", "V"), ("ag", "WE vs CE potential", "V"),
            ("ah", "S2 vs RE potential", "V"), ("ai", "SE vs S2 potential", "V"),
            ("as", "AIN0 potential", "V"), ("at", "AIN1 potential", "V"), ("au", "AIN2 potential", "V"),
            ("av", "AIN3 potential", "V"), ("aw", "AIN4 potential", "V"), ("ax", "AIN5 potential", "V"),
            ("ay", "AIN6 potential", "V"), ("az", "AIN7 potential", "V"),
            ("ba", "WE current", "A"), ("bb", "WE2 current", "A"),
            ("ca", "Phase", "degrees"), ("cb", "Impedance", "Ω"), ("cc", "Z real", "Ω"),
            ("cd", "Z imaginary", "Ω"), ("ce", "EIS E TDD", "V"), ("cf", "EIS I TDD", "A"),
            ("cg", "EIS sampling frequency", "Hz"), ("ch", "EIS E AC", "Vrms"), ("ci", "EIS E DC", "V"),
            ("cj", "EIS I AC", "Arms"), ("ck", "EIS I DC", "A"),
            ("da", "Applied potential", "V"), ("db", "Applied current", "A"),
            ("dc", "Applied frequency", "Hz"), ("dd", "Applied AC amplitude", "Vrms"),
            ("ea", "Channel", ""), ("eb", "Time", "s"), ("ec", "Pin mask", ""),
            ("ed", "Temperature", "°C"), ("ee", "Count", ""), ("ef", "Board temperature", "°C"),
            ("eg", "Time vs potential derivative", "s/V"),
            ("ha", "Generic current 1", "A"), ("hb", "Generic current 2", "A"),
            ("hc", "Generic current 3", "A"), ("hd", "Generic current 4", "A"),
            ("ia", "Generic potential 1", "V"), ("ib", "Generic potential 2", "V"),
            ("ic", "Generic potential 3", "V"), ("id", "Generic potential 4", "V"),
            ("ja", "Misc. generic 1", ""), ("jb", "Misc. generic 2", ""),
            ("jc", "Misc. generic 3", ""), ("jd", "Misc. generic 4", ""),
        ]
        var table: [String: MethodSCRIPTVariableType] = [:]
        for (code, name, unit) in list { table[code] = type(code, name, unit) }
        return table
    }()

    /// EmStat Pico current ranges by code (protocol.md §6.7): code → (full scale A, label).
    public static let picoCurrentRanges: [Int: (fullScale: Double, label: String)] = [
        0: (100e-9, "100 nA"), 1: (2e-6, "2 uA"), 2: (4e-6, "4 uA"), 3: (8e-6, "8 uA"),
        4: (16e-6, "16 uA"), 5: (32e-6, "32 uA"), 6: (63e-6, "63 uA"), 7: (125e-6, "125 uA"),
        8: (250e-6, "250 uA"), 9: (500e-6, "500 uA"), 10: (1e-3, "1 mA"), 11: (5e-3, "5 mA"),
        128: (100e-9, "100 nA (High speed)"), 129: (1e-6, "1 uA (High speed)"),
        130: (6e-6, "6 uA (High speed)"), 131: (13e-6, "13 uA (High speed)"),
        132: (25e-6, "25 uA (High speed)"), 133: (50e-6, "50 uA (High speed)"),
        134: (100e-6, "100 uA (High speed)"), 135: (200e-6, "200 uA (High speed)"),
        136: (1e-3, "1 mA (High speed)"), 137: (5e-3, "5 mA (High speed)"),
    ]

    /// EmStat4 current ranges by code (protocol.md §6.8): 3 and 6 LR only, 27 HR only.
    public static let emStat4CurrentRanges: [Int: (fullScale: Double, label: String)] = [
        3: (1e-9, "1 nA"), 6: (10e-9, "10 nA"), 9: (100e-9, "100 nA"), 12: (1e-6, "1 uA"),
        15: (10e-6, "10 uA"), 18: (100e-6, "100 uA"), 21: (1e-3, "1 mA"), 24: (10e-3, "10 mA"),
        27: (100e-3, "100 mA"),
    ]

    /// EmStat4 potential ranges by code (protocol.md §6.8): code → (full scale V, label).
    public static let emStat4PotentialRanges: [Int: (fullScale: Double, label: String)] = [
        2: (50e-3, "50 mV"), 3: (100e-3, "100 mV"), 4: (200e-3, "200 mV"), 5: (500e-3, "500 mV"),
        6: (1, "1 V"),
    ]

    /// Firmware-string prefixes of the `t` reply → device and model (protocol.md §3.1).
    public static let firmwarePrefixes: [(prefix: String, device: MethodSCRIPTDeviceType, model: String)] = [
        ("espico", .emStatPico, "EmStat Pico"), ("senswb", .emStatPico, "Sensit Wearable"),
        ("es4_lr", .emStat4, "EmStat4 LR"), ("es4_hr", .emStat4, "EmStat4 HR"),
        ("mes4lr", .emStat4, "MultiEmStat4 LR"), ("mes4hr", .emStat4, "MultiEmStat4 HR"),
        ("espbl", .unknown, "EmStat Pico bootloader"), ("nexus1", .unknown, "Nexus"),
    ]
}
