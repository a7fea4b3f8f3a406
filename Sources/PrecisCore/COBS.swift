/// Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): removes every 0x00
/// from a frame so that 0x00 can delimit frames on the wire.
public enum COBS {
    /// Encodes `data` so that it contains no zero byte. The delimiter is not appended.
    public static func encode(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + data.count / 254 + 2)
        var codeIndex = 0
        out.append(0)  // placeholder for the first code byte
        var code: UInt8 = 1
        for byte in data {
            if byte == 0 {
                out[codeIndex] = code
                codeIndex = out.count
                out.append(0)
                code = 1
            } else {
                out.append(byte)
                code += 1
                if code == 0xFF {
                    out[codeIndex] = code
                    codeIndex = out.count
                    out.append(0)
                    code = 1
                }
            }
        }
        out[codeIndex] = code
        return out
    }

    /// Decodes one COBS-encoded frame (without its delimiter), or returns nil when the
    /// bytes are not valid COBS (a zero inside, or a code byte pointing past the end).
    public static func decode(_ encoded: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let code = Int(encoded[index])
            if code == 0 { return nil }
            let blockEnd = index + code
            if blockEnd > encoded.endIndex { return nil }
            var cursor = index + 1
            while cursor < blockEnd {
                let byte = encoded[cursor]
                if byte == 0 { return nil }
                out.append(byte)
                cursor += 1
            }
            index = blockEnd
            if code != 0xFF && index < encoded.endIndex { out.append(0) }
        }
        return out
    }
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
/// Check value over the ASCII bytes "123456789" is 0x29B1.
public enum CRC16CCITTFalse {
    private static let table: [UInt16] = (0..<256).map { byte in
        var crc = UInt16(byte) << 8
        for _ in 0..<8 {
            crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBufferPointer(checksum)
    }

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        bytes.withUnsafeBufferPointer(checksum)
    }

    /// The CRC of `bytes` (non-generic, so callers in other modules get the fast loop).
    public static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = (crc << 8) ^ table[Int(UInt8(crc >> 8) ^ byte)]
            }
        }
        return crc
    }
}

/// Splits a byte stream into 0x00-delimited chunks, incrementally: feed whatever the
/// transport delivered, take the complete chunks. A chunk longer than `maxChunk` is
/// dropped whole and reported, so a stream with a lost delimiter cannot grow without bound.
public struct DelimitedSplitter: Sendable {
    /// One step's output: a complete chunk, or one that overflowed and was discarded.
    public enum Output: Equatable, Sendable {
        /// The bytes between two delimiters (never empty).
        case chunk([UInt8])
        /// A chunk longer than the limit was discarded; the count is how many bytes.
        case overflow(discarded: Int)
    }

    /// The largest chunk accepted.
    public let maxChunk: Int
    private var buffer: [UInt8] = []
    private var discarding = 0

    /// Makes a splitter that accepts chunks up to `maxChunk` bytes.
    public init(maxChunk: Int) {
        self.maxChunk = maxChunk
        buffer.reserveCapacity(maxChunk)
    }

    /// Bytes held waiting for their delimiter.
    public var pending: Int { buffer.count + discarding }

    /// Consumes `bytes` and returns every chunk they completed, in order.
    public mutating func step(_ bytes: [UInt8]) -> [Output] {
        var outputs: [Output] = []
        for byte in bytes {
            if byte == 0 {
                if discarding > 0 {
                    outputs.append(.overflow(discarded: discarding))
                    discarding = 0
                } else if !buffer.isEmpty {
                    outputs.append(.chunk(buffer))
                }
                buffer.removeAll(keepingCapacity: true)
            } else if discarding > 0 {
                discarding += 1
            } else if buffer.count == maxChunk {
                discarding = buffer.count + 1
                buffer.removeAll(keepingCapacity: true)
            } else {
                buffer.append(byte)
            }
        }
        return outputs
    }
}
