import PrecisCore

/// The SLOW5 file format for raw nanopore signal (hasindu2008/slow5-specs, file versions
/// 0.1.0 and 0.2.0): a header of read-group attributes and column types, then one record per
/// read. `.slow5` is tab-separated text; `.blow5` is the same content in binary with each
/// record optionally zlib-compressed.
public enum SLOW5Format: String, Sendable, Equatable {
    /// Tab-separated text (`.slow5`).
    case ascii
    /// Binary (`.blow5`).
    case binary

    /// The format a file name asks for: `.blow5` is binary, anything else text.
    public static func forPath(_ path: String) -> SLOW5Format { path.hasSuffix(".blow5") ? .binary : .ascii }
}

/// How BLOW5 records are compressed (the header's record-compression byte).
public enum SLOW5RecordCompression: UInt8, Sendable {
    /// Stored as is.
    case none = 0
    /// Each record a separate zlib stream.
    case zlib = 1
}

/// The type of an auxiliary (per-read) field, spelled as in the header's type line.
public enum SLOW5AuxType: Sendable, Equatable {
    case int8, int16, int32, int64, uint8, uint16, uint32, uint64, float, double, char
    /// `char*`: a string.
    case string
    /// `enum{a,b,c}`: a uint8 index into the labels.
    case enumeration([String])

    /// Parses a header type such as `uint32_t` or `enum{unknown,signal_positive}`.
    init?(spelling: String) {
        switch spelling {
        case "int8_t": self = .int8
        case "int16_t": self = .int16
        case "int32_t": self = .int32
        case "int64_t": self = .int64
        case "uint8_t": self = .uint8
        case "uint16_t": self = .uint16
        case "uint32_t": self = .uint32
        case "uint64_t": self = .uint64
        case "float": self = .float
        case "double": self = .double
        case "char": self = .char
        case "char*": self = .string
        default:
            guard spelling.hasPrefix("enum{"), spelling.hasSuffix("}") else { return nil }
            self = .enumeration(spelling.dropFirst(5).dropLast().split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        }
    }

    /// The header spelling.
    var spelling: String {
        switch self {
        case .int8: "int8_t"
        case .int16: "int16_t"
        case .int32: "int32_t"
        case .int64: "int64_t"
        case .uint8: "uint8_t"
        case .uint16: "uint16_t"
        case .uint32: "uint32_t"
        case .uint64: "uint64_t"
        case .float: "float"
        case .double: "double"
        case .char: "char"
        case .string: "char*"
        case .enumeration(let labels): "enum{" + labels.joined(separator: ",") + "}"
        }
    }

    /// Bytes of one value in BLOW5 (strings are length-prefixed instead).
    var width: Int {
        switch self {
        case .int8, .uint8, .char, .enumeration: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float: 4
        case .int64, .uint64, .double: 8
        case .string: 0
        }
    }
}

/// One auxiliary field's value.
public enum SLOW5AuxValue: Sendable, Equatable, CustomStringConvertible {
    /// Any signed integer type.
    case int(Int64)
    /// Any unsigned integer type, and the index of an enum.
    case uint(UInt64)
    /// `float` or `double`.
    case real(Double)
    /// `char*` or `char`.
    case string(String)
    /// The field is missing for this read (`.` in SLOW5).
    case missing

    /// As written in SLOW5 text.
    public var description: String {
        switch self {
        case .int(let v): String(v)
        case .uint(let v): String(v)
        case .real(let v): SLOW5Number.format(v)
        case .string(let s): s.isEmpty ? "." : s
        case .missing: "."
        }
    }
}

/// An auxiliary column: its name and type.
public struct SLOW5AuxField: Sendable, Equatable {
    /// The column name (`channel_number`).
    public var name: String
    /// Its type.
    public var type: SLOW5AuxType
    /// Makes a field.
    public init(name: String, type: SLOW5AuxType) {
        self.name = name
        self.type = type
    }
}

/// The header: the file version, each read group's attributes, and the auxiliary columns.
public struct SLOW5Header: Sendable, Equatable {
    /// `0.2.0`.
    public var version: (UInt8, UInt8, UInt8) { (versionMajor, versionMinor, versionPatch) }
    var versionMajor: UInt8 = 0, versionMinor: UInt8 = 2, versionPatch: UInt8 = 0
    /// The attribute names in file order (shared by every read group).
    public var attributeNames: [String]
    /// Per read group, its attribute values by name (a missing value is absent).
    public var readGroups: [[String: String]]
    /// The auxiliary per-read columns after the eight main ones.
    public var auxFields: [SLOW5AuxField]

    /// Makes a header with one read group.
    public init(attributes: [(String, String)], auxFields: [SLOW5AuxField] = []) {
        attributeNames = attributes.map(\.0)
        readGroups = [Dictionary(attributes, uniquingKeysWith: { _, last in last })]
        self.auxFields = auxFields
    }

    /// Makes a header with several read groups.
    public init(attributeNames: [String], readGroups: [[String: String]], auxFields: [SLOW5AuxField]) {
        self.attributeNames = attributeNames
        self.readGroups = readGroups
        self.auxFields = auxFields
    }

    /// The value of `name` in read group `group`.
    public func attribute(_ name: String, group: Int = 0) -> String? {
        group < readGroups.count ? readGroups[group][name] : nil
    }

    /// `0.2.0`.
    public var versionString: String { "\(versionMajor).\(versionMinor).\(versionPatch)" }

    public static func == (a: SLOW5Header, b: SLOW5Header) -> Bool {
        a.versionString == b.versionString && a.attributeNames == b.attributeNames && a.readGroups == b.readGroups
            && a.auxFields == b.auxFields
    }
}

/// One read: its identity, calibration, and raw ADC samples.
public struct SLOW5Read: Sendable, Equatable {
    /// The read id (a UUID from the instrument).
    public var readID: String
    /// Index of its read group in the header.
    public var readGroup: UInt32
    /// ADC levels per `range` picoamperes.
    public var digitisation: Double
    /// Added to a raw sample before scaling.
    public var offset: Double
    /// Picoamperes spanned by `digitisation` levels.
    public var range: Double
    /// Samples per second.
    public var samplingRate: Double
    /// The raw ADC samples.
    public var rawSignal: [Int16]
    /// Auxiliary values by column name.
    public var aux: [String: SLOW5AuxValue]

    /// Makes a read.
    public init(readID: String, readGroup: UInt32 = 0, digitisation: Double, offset: Double, range: Double,
                samplingRate: Double, rawSignal: [Int16], aux: [String: SLOW5AuxValue] = [:]) {
        self.readID = readID
        self.readGroup = readGroup
        self.digitisation = digitisation
        self.offset = offset
        self.range = range
        self.samplingRate = samplingRate
        self.rawSignal = rawSignal
        self.aux = aux
    }

    /// The read's calibration.
    public var calibration: ChannelCalibration { ChannelCalibration(digitisation: digitisation, offset: offset, range: range) }

    /// The signal in picoamperes, converted as slow5lib does (`ChannelCalibration.picoamperes`).
    public var picoamperes: [Float] {
        let calibration = calibration
        return rawSignal.map(calibration.picoamperes)
    }
}

/// Numbers written the way SLOW5 files spell them: shortest round-trip form, no `.0` on integers.
enum SLOW5Number {
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
