/// Reads little-endian fields from a payload (or a file's record), throwing an error of
/// `errorKind` that names the field when the bytes are too short or malformed.
public struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var cursor: Int
    private let errorKind: ErrorKind
    /// What is being read, as errors name it (`payload`, `run.blow5: record 3`).
    public let context: String

    /// Reads from `bytes`, starting at its first byte. Errors are of `errorKind` (`.protocol` for
    /// a device's frames, `.input` for a file) and say "`context` too short for FIELD".
    public init<C: Collection>(_ bytes: C, errorKind: ErrorKind = .protocol, context: String = "payload")
        where C.Element == UInt8 {
        self.bytes = ArraySlice(bytes)
        self.cursor = self.bytes.startIndex
        self.errorKind = errorKind
        self.context = context
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.endIndex - cursor }

    /// The next `count` bytes.
    public mutating func bytes(_ count: Int, _ field: String) throws -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else {
            throw PrecisError(errorKind, "\(context) too short for \(field): needs \(count) more byte(s), has \(remaining)")
        }
        defer { cursor += count }
        return bytes[cursor..<cursor + count]
    }

    /// A little-endian integer of any width.
    public mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ field: String) throws -> T {
        let b = try bytes(MemoryLayout<T>.size, field)
        var value: T = 0
        for (i, byte) in b.enumerated() { value |= T(truncatingIfNeeded: byte) << (8 * i) }
        return value
    }

    /// One unsigned byte.
    public mutating func u8(_ field: String) throws -> UInt8 {
        try bytes(1, field).first!
    }

    /// An unsigned 16-bit little-endian integer.
    public mutating func u16(_ field: String) throws -> UInt16 { try integer(UInt16.self, field) }

    /// A signed 16-bit little-endian integer.
    public mutating func i16(_ field: String) throws -> Int16 {
        Int16(bitPattern: try u16(field))
    }

    /// An unsigned 32-bit little-endian integer.
    public mutating func u32(_ field: String) throws -> UInt32 { try integer(UInt32.self, field) }

    /// An unsigned 64-bit little-endian integer.
    public mutating func u64(_ field: String) throws -> UInt64 { try integer(UInt64.self, field) }

    /// A little-endian IEEE 754 double.
    public mutating func f64(_ field: String) throws -> Double { Double(bitPattern: try u64(field)) }

    /// A string of printable ASCII preceded by its length in one byte.
    public mutating func shortString(_ field: String) throws -> String {
        let length = Int(try u8("\(field) length"))
        let raw = try bytes(length, field)
        guard raw.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw PrecisError(errorKind, "\(field) is not printable ASCII")
        }
        return String(decoding: raw, as: UTF8.self)
    }

    /// Throws unless every byte was read: trailing bytes mean the two sides disagree on the layout.
    public func expectEnd(_ what: String) throws {
        guard remaining == 0 else {
            throw PrecisError(errorKind, "\(what) has \(remaining) unexpected trailing byte(s)")
        }
    }
}

/// Appends little-endian fields to a payload; the mirror of `ByteReader`.
public struct ByteWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// Starts an empty payload.
    public init() {}

    /// Empties the payload and keeps its storage, for a writer that builds one payload after another.
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// Appends one byte.
    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    /// Appends an unsigned 16-bit little-endian integer.
    public mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(value & 0xFF))
        bytes.append(UInt8(value >> 8))
    }

    /// Appends a signed 16-bit little-endian integer.
    public mutating func i16(_ value: Int16) { u16(UInt16(bitPattern: value)) }

    /// Appends an unsigned 32-bit little-endian integer.
    public mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    /// Appends bytes as they are.
    public mutating func raw<C: Collection>(_ data: C) where C.Element == UInt8 { bytes.append(contentsOf: data) }

    /// Appends an unsigned 64-bit little-endian integer.
    public mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }

    /// Appends a little-endian IEEE 754 double.
    public mutating func f64(_ value: Double) { u64(value.bitPattern) }

    /// Appends a length-prefixed ASCII string, truncated to 255 bytes.
    public mutating func shortString(_ value: String) {
        let raw = Array(value.utf8.prefix(255))
        bytes.append(UInt8(raw.count))
        bytes.append(contentsOf: raw)
    }
}

extension Array where Element == UInt8 {
    /// The bytes as lower-case hex, two digits each, no separators.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses lower- or upper-case hex with an even number of digits; nil otherwise.
    public init?(hexString text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let hi = nibble(utf8[index]), let lo = nibble(utf8[index + 1]) else { return nil }
            out.append(hi << 4 | lo)
            index += 2
        }
        self = out
    }
}
