import CZlib
import Foundation
import PrecisCore

/// How BLOW5 raw signals are compressed (the header's signal-compression byte, 0.2.0 on).
public enum SLOW5SignalCompression: UInt8, Sendable {
    /// int16 samples as they are.
    case none = 0
    /// Zig-zag delta coding packed with StreamVByte (slow5lib's `svb-zd`).
    case svbZD = 1
}

extension SLOW5Reader {
    static func binaryHeader(_ data: Data, name: String) throws
        -> (SLOW5Header, SLOW5RecordCompression, SLOW5SignalCompression, Int) {
        guard data.count >= 68 else { throw PrecisError(.input, "\(name): BLOW5 header is truncated") }
        let headerSize = data.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 64, as: UInt32.self))) }
        guard headerSize <= data.count - 68 else { throw PrecisError(.input, "\(name): BLOW5 header claims \(headerSize) bytes, more than the file holds") }
        var cursor = ByteCursor(bytes: [UInt8](data.prefix(68 + headerSize)), name: name)
        cursor.position = 6
        let major = try cursor.u8(), minor = try cursor.u8(), patch = try cursor.u8()
        _ = try version("\(major).\(minor).\(patch)"[...], name: name)
        let recordByte = try cursor.u8()
        let groups = try cursor.u32()
        let signalByte: UInt8 = (minor >= 2) ? try cursor.u8() : 0
        guard let record = SLOW5RecordCompression(rawValue: recordByte) else {
            throw PrecisError(.input, "\(name): record compression \(recordByte) (zstd or newer) is not one Precis reads",
                              hint: "convert with: slow5tools view -c zlib -s none IN -o OUT.blow5")
        }
        guard let signal = SLOW5SignalCompression(rawValue: signalByte) else {
            throw PrecisError(.input, "\(name): signal compression \(signalByte) (ex-zd or newer) is not one Precis reads",
                              hint: "convert with: slow5tools view -c zlib -s svb-zd IN -o OUT.blow5")
        }
        guard groups >= 1, groups < 1 << 20 else { throw PrecisError(.input, "\(name): \(groups) read groups in the header") }
        cursor.position = 64
        let size = Int(try cursor.u32())
        let text = try cursor.bytes(size)
        guard let string = String(bytes: text, encoding: .utf8) else { throw PrecisError(.input, "\(name): header text is not UTF-8") }
        var header = try parseHeaderLines(string.split(separator: "\n", omittingEmptySubsequences: false),
                                          readGroups: Int(groups), name: name)
        (header.versionMajor, header.versionMinor, header.versionPatch) = (major, minor, patch)
        return (header, record, signal, cursor.position)
    }

    func nextBinary() throws -> SLOW5Read? {
        let eof = Array("5WOLB".utf8)
        if data.count - position == eof.count, Array(data[(data.startIndex + position)...]) == eof { return nil }
        guard data.count - position >= 8 else {
            throw fail(position == data.count ? "the BLOW5 end-of-file marker is missing (the file was cut short)"
                                              : "truncated after \(readsSeen) reads")
        }
        let size = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: position, as: UInt64.self)) }
        guard size <= UInt64(data.count - position - 8) else {
            throw fail("record \(readsSeen + 1) claims \(size) bytes but \(data.count - position - 8) remain (the file was cut short)")
        }
        let start = data.startIndex + position + 8
        let stored = [UInt8](data[start..<start + Int(size)])
        position += 8 + Int(size)
        let record: [UInt8] = recordCompression == .zlib ? try inflate(stored) : stored
        return try parseBinaryRecord(record)
    }

    func inflate(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(64, input.count * 4))
        var produced = 0
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { inBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = UInt32(inBuffer.count)
            while status == Z_OK {
                if produced == output.count {
                    guard output.count < 1 << 30 else { throw fail("record \(readsSeen + 1) inflates past 1 GiB") }
                    output.append(contentsOf: repeatElement(0, count: output.count))
                }
                status = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = UInt32(out.count - produced)
                    let result = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced = out.count - Int(stream.avail_out)
                    return result
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
                if status == Z_BUF_ERROR { status = Z_OK }
            }
        }
        guard status == Z_STREAM_END else { throw fail("record \(readsSeen + 1) is not a complete zlib stream (\(status))") }
        return Array(output[..<produced])
    }

    func parseBinaryRecord(_ record: [UInt8]) throws -> SLOW5Read {
        var c = ByteCursor(bytes: record, name: name)
        let idLength = Int(try c.u16())
        guard let readID = String(bytes: try c.bytes(idLength), encoding: .utf8) else { throw fail("a read id is not UTF-8") }
        let group = try c.u32()
        try checkReadGroup(group, readID)
        let digitisation = try c.f64(), offset = try c.f64(), range = try c.f64(), rate = try c.f64()
        let length = try c.u64()
        let signal: [Int16]
        switch signalCompression {
        case .none:
            guard length <= UInt64(c.remaining / 2) else { throw fail("read \(readID) claims \(length) samples but the record is shorter") }
            signal = try c.int16Array(Int(length))
        case .svbZD:
            guard length <= UInt64(c.remaining) else { throw fail("read \(readID)'s compressed signal runs past its record") }
            signal = try StreamVByte.decodeZigZagDelta(try c.bytes(Int(length)), name: "\(name) read \(readID)")
        }
        var aux: [String: SLOW5AuxValue] = [:]
        for field in header.auxFields { aux[field.name] = try c.auxValue(field.type, field: field.name, read: readID) }
        guard c.remaining == 0 else { throw fail("read \(readID) has \(c.remaining) bytes after its last column") }
        guard digitisation > 0, range > 0, rate > 0 else {
            throw fail("read \(readID) has digitisation \(digitisation), range \(range), sampling rate \(rate): each must be positive")
        }
        return SLOW5Read(readID: readID, readGroup: group, digitisation: digitisation, offset: offset, range: range,
                         samplingRate: rate, rawSignal: signal, aux: aux)
    }
}

/// Little-endian reads from a byte buffer, each checked against the end.
struct ByteCursor {
    let storage: [UInt8]
    let name: String
    var position = 0

    init(bytes: [UInt8], name: String) {
        storage = bytes
        self.name = name
    }

    var remaining: Int { storage.count - position }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw PrecisError(.input, "\(name): truncated (wanted \(count) bytes, \(remaining) left)") }
        defer { position += count }
        return Array(storage[position..<position + count])
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { throw PrecisError(.input, "\(name): truncated (wanted \(size) bytes, \(remaining) left)") }
        var value: T = 0
        for i in 0..<size { value |= T(truncatingIfNeeded: storage[position + i]) << (8 * i) }
        position += size
        return value
    }

    mutating func u8() throws -> UInt8 { try integer(UInt8.self) }
    mutating func u16() throws -> UInt16 { try integer(UInt16.self) }
    mutating func u32() throws -> UInt32 { try integer(UInt32.self) }
    mutating func u64() throws -> UInt64 { try integer(UInt64.self) }
    mutating func f64() throws -> Double { Double(bitPattern: try u64()) }

    mutating func int16Array(_ count: Int) throws -> [Int16] {
        guard count * 2 <= remaining else { throw PrecisError(.input, "\(name): truncated signal") }
        let start = position
        position += count * 2
        return [Int16](unsafeUninitializedCapacity: count) { buffer, initialized in
            storage.withUnsafeBytes { raw in
                for i in 0..<count { buffer[i] = Int16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: Int16.self)) }
            }
            initialized = count
        }
    }

    mutating func auxValue(_ type: SLOW5AuxType, field: String, read: String) throws -> SLOW5AuxValue {
        switch type {
        case .int8: let v = try integer(Int8.self); return v == Int8.max ? .missing : .int(Int64(v))
        case .int16: let v = try integer(Int16.self); return v == Int16.max ? .missing : .int(Int64(v))
        case .int32: let v = try integer(Int32.self); return v == Int32.max ? .missing : .int(Int64(v))
        case .int64: let v = try integer(Int64.self); return v == Int64.max ? .missing : .int(v)
        case .uint8, .enumeration: let v = try u8(); return v == UInt8.max ? .missing : .uint(UInt64(v))
        case .uint16: let v = try u16(); return v == UInt16.max ? .missing : .uint(UInt64(v))
        case .uint32: let v = try u32(); return v == UInt32.max ? .missing : .uint(UInt64(v))
        case .uint64: let v = try u64(); return v == UInt64.max ? .missing : .uint(v)
        case .float: let v = Float(bitPattern: try u32()); return v.isNaN ? .missing : .real(Double(v))
        case .double: let v = try f64(); return v.isNaN ? .missing : .real(v)
        case .char: let v = try u8(); return v == 0 ? .missing : .string(String(UnicodeScalar(v)))
        case .string:
            let length = try u64()
            guard length <= UInt64(remaining) else { throw PrecisError(.input, "\(name): read \(read)'s \(field) runs past its record") }
            let text = try bytes(Int(length))
            return length == 0 ? .missing : .string(String(decoding: text, as: UTF8.self))
        }
    }
}
