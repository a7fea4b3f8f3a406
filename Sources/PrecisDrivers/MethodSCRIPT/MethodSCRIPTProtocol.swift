import PrecisCore

// MethodSCRIPT: the line protocol of PalmSens EmStat Pico / EmStat4 potentiostats.
// The wire spec is Firmware-Protocols/methodscript/protocol.md; section numbers below refer to it.

/// The measurement status bits of a variable's `1x` metadata (protocol.md §6.5).
public struct MethodSCRIPTStatus: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// The bit mask as sent.
    public let rawValue: Int
    /// Makes a status from its bit mask.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The loop could not keep its timing (bit 0x1).
    public static let timingError = MethodSCRIPTStatus(rawValue: 0x1)
    /// The current exceeded the range (bit 0x2).
    public static let overload = MethodSCRIPTStatus(rawValue: 0x2)
    /// The current was small for the range (bit 0x4).
    public static let underload = MethodSCRIPTStatus(rawValue: 0x4)
    /// The current came close to overload (bit 0x8).
    public static let overloadWarning = MethodSCRIPTStatus(rawValue: 0x8)

    /// The vendor's words: `OK`, or the set flags joined by ` | `.
    public var description: String {
        let names: [(MethodSCRIPTStatus, String)] = [
            (.timingError, "TIMING_ERROR"), (.overload, "OVERLOAD"),
            (.underload, "UNDERLOAD"), (.overloadWarning, "OVERLOAD_WARNING"),
        ]
        let set = names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "OK" : set.joined(separator: " | ")
    }
}

/// One decoded variable of a data package (protocol.md §6.1).
public struct MethodSCRIPTVariable: Sendable, Equatable {
    /// What the variable is (code, name, unit).
    public let type: MethodSCRIPTVariableType
    /// The signed integer before scaling; nil for a `nan` value.
    public let rawValue: Int?
    /// The SI prefix character as sent (`u`, `p`, `i`, space).
    public let prefix: Character
    /// The value in SI units (`type.unit`): `Double(rawValue) * factor(prefix)`, NaN for `nan`.
    public let value: Double
    /// The status bits, when the variable carried a `1x` field.
    public let status: MethodSCRIPTStatus?
    /// The range code, when the variable carried a `2xx` field.
    public let rangeCode: Int?
    /// Metadata fields of other kinds (e.g. `4…` noise), as sent, without the comma.
    public let otherMetadata: [String]

    /// The current range named by `rangeCode` on `device`, for current-range variables.
    public func currentRange(on device: MethodSCRIPTDeviceType) -> MethodSCRIPTCurrentRange? {
        guard type.rangeKind == .current, let code = rangeCode else { return nil }
        let table: [Int: (fullScale: Double, label: String)]
        switch device {
        case .emStatPico: table = MethodSCRIPTTables.picoCurrentRanges
        case .emStat4: table = MethodSCRIPTTables.emStat4CurrentRanges
        case .unknown: return nil
        }
        guard let entry = table[code] else { return nil }
        let highSpeed = device == .emStatPico && code & 0x80 != 0
        return MethodSCRIPTCurrentRange(code: code, fullScale: entry.fullScale,
                                        highSpeed: highSpeed, label: entry.label)
    }
}

/// One `P` line: the variables the script added with `pck_add`, in order (protocol.md §6).
public struct MethodSCRIPTPackage: Sendable, Equatable {
    /// The variables, in the order of the line.
    public let variables: [MethodSCRIPTVariable]
    /// The line as received, without the newline.
    public let line: String

    /// The first variable of type `code` (`"da"`, `"ba"`), if any.
    public subscript(code: String) -> MethodSCRIPTVariable? {
        variables.first { $0.type.code == code }
    }
}

/// The kinds of nested output scope (protocol.md §5).
public enum MethodSCRIPTScope: String, Sendable, Hashable {
    /// A measurement loop: opened by `Mxxxx`, closed by `*`.
    case measurement
    /// One scan of a multi-scan CV: opened by `Cxxxx`, closed by `-`.
    case scan
    /// A plain `loop`: opened by `L`, closed by `+`.
    case loop
}

/// One line of device output, classified (protocol.md §5).
public enum MethodSCRIPTMessage: Sendable, Equatable {
    /// `e`: the device accepted the execute command and runs the script.
    case scriptStarted
    /// `Mxxxx`, `Cxxxx` or `L`: a scope opens; `code` is the 4 hex digits (empty for `L`).
    case loopStarted(MethodSCRIPTScope, code: String)
    /// `*`, `-` or `+`: the innermost scope closes.
    case loopEnded(MethodSCRIPTScope)
    /// `P…`: a data package.
    case package(MethodSCRIPTPackage)
    /// `T…`: text from `send_string`.
    case text(String)
    /// `!XXXX…`: the device reported an error.
    case deviceError(MethodSCRIPTDeviceError)
    /// An empty line: the end of the script's output.
    case endOfScript
    /// Any other line (the reply to `t`, `i`, `v`, `Z`, …), as received.
    case reply(String)
}

/// The incremental MethodSCRIPT decoder: bytes in, lines and messages out.
///
/// Lines end with LF (a CR before it is tolerated). Feed bytes in any chunking; the
/// result is the same fed all at once or one byte at a time. A malformed line throws
/// `PrecisError(.protocol)` naming the line, and the decoder carries on after it.
public struct MethodSCRIPTDecoder: Sendable {
    /// The longest line accepted; the vendor's C example reads at most 1000 bytes.
    public static let maxLineLength = 4096

    private var buffer: [UInt8] = []
    private var start = 0

    /// Makes an empty decoder.
    public init() {}

    /// Bytes received but not yet part of a complete line.
    public var pendingBytes: Int { buffer.count - start }

    /// Appends received bytes.
    public mutating func append(_ bytes: [UInt8]) {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete line (without its LF and optional CR), or nil when none is complete.
    /// Throws `.protocol` when a line grows past `maxLineLength` without an LF.
    public mutating func nextLine() throws -> String? {
        guard let newline = buffer[start...].firstIndex(of: 0x0A) else {
            if buffer.count - start > Self.maxLineLength {
                let head = String(decoding: buffer[start..<(start + 40)], as: UTF8.self)
                buffer.removeAll(keepingCapacity: true)
                start = 0
                throw PrecisError(.protocol, "MethodSCRIPT: line longer than \(Self.maxLineLength) bytes without a newline, starting \"\(head)…\"",
                                  hint: "check the baud rate (EmStat Pico 230400, EmStat4 921600)")
            }
            return nil
        }
        var end = newline
        if end > start, buffer[end - 1] == 0x0D { end -= 1 }
        let bytes = Array(buffer[start..<end])
        start = newline + 1
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        if let bad = bytes.first(where: { $0 < 0x20 || $0 > 0x7E }) {
            throw PrecisError(.protocol, "MethodSCRIPT: byte 0x\(String(bad, radix: 16)) in line \"\(Self.show(bytes))\" is not printable ASCII",
                              hint: "check the baud rate (EmStat Pico 230400, EmStat4 921600)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The next complete line, classified; nil when no line is complete.
    public mutating func next() throws -> MethodSCRIPTMessage? {
        guard let line = try nextLine() else { return nil }
        return try Self.classify(line)
    }

    /// Consumes `bytes` and yields every message completed so far, in order. A malformed
    /// line throws after the messages before it were yielded; later lines stay buffered.
    public mutating func step(_ bytes: [UInt8], _ yield: (MethodSCRIPTMessage) throws -> Void) throws {
        append(bytes)
        while let message = try next() { try yield(message) }
    }

    /// Consumes `bytes` and returns the messages completed so far.
    public mutating func step(_ bytes: [UInt8]) throws -> [MethodSCRIPTMessage] {
        var out: [MethodSCRIPTMessage] = []
        try step(bytes) { out.append($0) }
        return out
    }

    /// Throws `.protocol` when the stream stopped inside a line (a truncated package).
    public func finish() throws {
        guard pendingBytes > 0 else { return }
        throw PrecisError(.protocol, "MethodSCRIPT: output ended inside a line: \"\(Self.show(Array(buffer[start...])))\"",
                          hint: "the line was cut off; repeat the measurement")
    }

    /// Classifies one line without its newline (protocol.md §5).
    public static func classify(_ line: String) throws -> MethodSCRIPTMessage {
        let bytes = Array(line.utf8)
        guard let first = bytes.first else { return .endOfScript }
        if first == UInt8(ascii: "!") || (bytes.count > 1 && bytes[1] == UInt8(ascii: "!")
                                          && first != UInt8(ascii: "T") && first != UInt8(ascii: "P")) {
            return .deviceError(try parseError(line))
        }
        switch first {
        case UInt8(ascii: "P"): return .package(try parsePackage(line))
        case UInt8(ascii: "T"): return .text(String(line.dropFirst()))
        case UInt8(ascii: "M"): return .loopStarted(.measurement, code: try scopeCode(line))
        case UInt8(ascii: "C"): return .loopStarted(.scan, code: try scopeCode(line))
        case UInt8(ascii: "L") where bytes.count == 1: return .loopStarted(.loop, code: "")
        case UInt8(ascii: "*") where bytes.count == 1: return .loopEnded(.measurement)
        case UInt8(ascii: "-") where bytes.count == 1: return .loopEnded(.scan)
        case UInt8(ascii: "+") where bytes.count == 1: return .loopEnded(.loop)
        case UInt8(ascii: "e") where bytes.count == 1: return .scriptStarted
        case UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "+"):
            throw PrecisError(.protocol, "MethodSCRIPT: end-of-scope line \"\(show(bytes))\" has characters after its marker")
        default: return .reply(line)
        }
    }

    /// The 4 hex digits of an `Mxxxx` / `Cxxxx` line.
    private static func scopeCode(_ line: String) throws -> String {
        let bytes = Array(line.utf8)
        guard bytes.count == 5, bytes.dropFirst().allSatisfy({ hexValue($0) != nil }) else {
            throw PrecisError(.protocol, "MethodSCRIPT: loop start \"\(show(bytes))\" is not a letter and 4 hex digits")
        }
        return String(line.dropFirst())
    }

    /// Parses `!XXXX` with an optional `: Line L, Col C` after it (protocol.md §7.1).
    static func parseError(_ line: String) throws -> MethodSCRIPTDeviceError {
        let bytes = Array(line.utf8)
        guard let bang = bytes.firstIndex(of: UInt8(ascii: "!")), bytes.count >= bang + 5,
              let code = hexNumber(bytes[(bang + 1)..<(bang + 5)]) else {
            throw PrecisError(.protocol, "MethodSCRIPT: error line \"\(show(bytes))\" has no 4-digit hex code after '!'")
        }
        let rest = String(decoding: bytes[(bang + 5)...], as: UTF8.self)
        return MethodSCRIPTDeviceError(code: UInt16(code), line: number(after: "Line", in: rest),
                                       column: number(after: "Col", in: rest), raw: line)
    }

    /// The decimal number after `word` in `text` (`Line 3` → 3), if any.
    private static func number(after word: String, in text: String) -> Int? {
        let chars = Array(text), key = Array(word)
        guard chars.count >= key.count else { return nil }
        for index in 0...(chars.count - key.count) where Array(chars[index..<(index + key.count)]) == key {
            let digits = chars[(index + key.count)...].drop { $0 == " " }.prefix { $0.isASCII && $0.isNumber }
            return Int(String(digits))
        }
        return nil
    }

    /// A line for an error message: at most 80 characters.
    static func show(_ bytes: [UInt8]) -> String {
        let printable = bytes.prefix(80).map { $0 >= 0x20 && $0 <= 0x7E ? Character(UnicodeScalar($0)) : "?" }
        return String(printable) + (bytes.count > 80 ? "…" : "")
    }

    /// The value of one ASCII hex digit (either case), or nil.
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a")) + 10
        default: return nil
        }
    }

    /// The value of a run of hex digits, or nil if any is not a hex digit (or the run is empty).
    static func hexNumber(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard let digit = hexValue(byte) else { return nil }
            value = value * 16 + digit
        }
        return value
    }
}
