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
        guard headerSize <= SLOW5Limits.maxHeaderBytes else {
            throw PrecisError(.input, "\(name): BLOW5 header claims \(headerSize) bytes; Precis reads at most \(SLOW5Limits.maxHeaderBytes)")
        }
        guard headerSize <= data.count - 68 else { throw PrecisError(.input, "\(name): BLOW5 header claims \(headerSize) bytes, more than the file holds") }
        var cursor = ByteReader(data.prefix(68 + headerSize), errorKind: .input, context: "\(name): header")
        _ = try cursor.bytes(6, "magic")
        let major = try cursor.u8("major"), minor = try cursor.u8("minor"), patch = try cursor.u8("patch")
        _ = try version("\(major).\(minor).\(patch)"[...], name: name)
        let recordByte = try cursor.u8("record compression")
        let groups = try cursor.u32("read groups")
        let signalByte: UInt8 = (minor >= 2) ? try cursor.u8("signal compression") : 0
        guard let record = SLOW5RecordCompression(rawValue: recordByte) else {
            throw PrecisError(.input, "\(name): record compression \(recordByte) (zstd or newer) is not one Precis reads",
                              hint: "convert with: slow5tools view -c zlib -s none IN -o OUT.blow5")
        }
        guard let signal = SLOW5SignalCompression(rawValue: signalByte) else {
            throw PrecisError(.input, "\(name): signal compression \(signalByte) (ex-zd or newer) is not one Precis reads",
                              hint: "convert with: slow5tools view -c zlib -s svb-zd IN -o OUT.blow5")
        }
        guard groups >= 1 else { throw PrecisError(.input, "\(name): \(groups) read groups in the header") }
        guard groups <= SLOW5Limits.maxReadGroups else {
            throw PrecisError(.input, "\(name): the header has \(groups) read groups; Precis reads at most \(SLOW5Limits.maxReadGroups)")
        }
        _ = try cursor.bytes(cursor.remaining - 4 - headerSize, "padding to 64")
        let size = Int(try cursor.u32("header size"))
        let text = try cursor.bytes(size, "header text")
        guard let string = String(bytes: text, encoding: .utf8) else { throw PrecisError(.input, "\(name): header text is not UTF-8") }
        var header = try parseHeaderLines(string.split(separator: "\n", omittingEmptySubsequences: false),
                                          readGroups: Int(groups), name: name)
        (header.versionMajor, header.versionMinor, header.versionPatch) = (major, minor, patch)
        return (header, record, signal, 68 + headerSize)
    }

    func nextBinary(into samples: inout [Int16]) throws -> SLOW5Read? {
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
        guard size <= UInt64(SLOW5Limits.maxRecordBytes) else {
            throw fail("record \(readsSeen + 1) claims \(size) bytes; Precis reads at most \(SLOW5Limits.maxRecordBytes)")
        }
        let start = position + 8
        position += 8 + Int(size)
        if recordCompression == .zlib {
            let count = try data.withUnsafeBytes { try inflate(UnsafeRawBufferPointer(rebasing: $0[start..<start + Int(size)])) }
            return try inflated.withUnsafeBytes { try parseBinaryRecord(UnsafeRawBufferPointer(rebasing: $0[..<count]), into: &samples) }
        }
        return try data.withUnsafeBytes { try parseBinaryRecord(UnsafeRawBufferPointer(rebasing: $0[start..<start + Int(size)]),
                                                                into: &samples) }
    }

    /// Inflates a zlib record into `inflated` (kept from record to record); returns its size.
    func inflate(_ input: UnsafeRawBufferPointer) throws -> Int {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        if inflated.count < max(64, input.count * 4) {
            inflated.append(contentsOf: repeatElement(0, count: max(64, input.count * 4) - inflated.count))
        }
        var produced = 0
        var status: Int32 = Z_OK
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(input.count)
        while status == Z_OK {
            if produced == inflated.count {
                guard inflated.count < SLOW5Limits.maxRecordBytes else {
                    throw fail("record \(readsSeen + 1) inflates to more than \(SLOW5Limits.maxRecordBytes) bytes; Precis reads at most \(SLOW5Limits.maxRecordBytes)")
                }
                inflated.append(contentsOf: repeatElement(0, count: min(inflated.count, SLOW5Limits.maxRecordBytes - inflated.count)))
            }
            status = inflated.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress! + produced
                stream.avail_out = UInt32(out.count - produced)
                let result = CZlib.inflate(&stream, Z_NO_FLUSH)
                produced = out.count - Int(stream.avail_out)
                return result
            }
            if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
            if status == Z_BUF_ERROR { status = Z_OK }
        }
        guard status == Z_STREAM_END else { throw fail("record \(readsSeen + 1) is not a complete zlib stream (\(status))") }
        return produced
    }

    /// One record's read; its samples go into `samples` (the returned read's `rawSignal` is
    /// empty). Only the small fields are copied out of `record`; the signal is decoded from it
    /// straight into `samples`.
    func parseBinaryRecord(_ record: UnsafeRawBufferPointer, into samples: inout [Int16]) throws -> SLOW5Read {
        let context = "\(name): record \(readsSeen + 1)"
        // The fixed fields: id length, id, read group, four doubles, the sample count.
        let idLength = record.count >= 2 ? Int(UInt16(littleEndian: record.loadUnaligned(as: UInt16.self))) : 0
        let fixed = min(record.count, 2 + idLength + 4 + 32 + 8)
        var c = ByteReader(UnsafeRawBufferPointer(rebasing: record[..<fixed]), errorKind: .input, context: context)
        _ = try c.u16("read id length")
        guard let readID = String(bytes: try c.bytes(idLength, "read id"), encoding: .utf8) else { throw fail("a read id is not UTF-8") }
        let group = try c.u32("read group")
        try checkReadGroup(group, readID)
        let digitisation = try c.f64("digitisation"), offset = try c.f64("offset")
        let range = try c.f64("range"), rate = try c.f64("sampling rate")
        let length = try c.u64("len_raw_signal")
        try checkSamples(length, readID)
        var at = fixed
        switch signalCompression {
        case .none:
            guard length <= UInt64((record.count - at) / 2) else { throw fail("read \(readID) claims \(length) samples but the record is shorter") }
            Self.resize(&samples, to: Int(length))
            samples.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: record[at..<at + 2 * Int(length)])) }
            #if _endian(big)
            for k in samples.indices { samples[k] = Int16(littleEndian: samples[k]) }
            #endif
            at += 2 * Int(length)
        case .svbZD:
            guard length <= UInt64(record.count - at) else { throw fail("read \(readID)'s compressed signal runs past its record") }
            try StreamVByte.decodeZigZagDelta(UnsafeRawBufferPointer(rebasing: record[at..<at + Int(length)]), into: &samples,
                                              name: "\(name) read \(readID)")
            at += Int(length)
        }
        var tail = ByteReader(UnsafeRawBufferPointer(rebasing: record[at...]), errorKind: .input, context: context)
        var aux: [String: SLOW5AuxValue] = [:]
        for field in header.auxFields { aux[field.name] = try tail.auxValue(field.type, field: field.name) }
        guard tail.remaining == 0 else { throw fail("read \(readID) has \(tail.remaining) bytes after its last column") }
        try checkScaling(readID, digitisation: digitisation, offset: offset, range: range, rate: rate)
        return SLOW5Read(readID: readID, readGroup: group, digitisation: digitisation, offset: offset, range: range,
                         samplingRate: rate, rawSignal: [], aux: aux)
    }

    /// `samples` made `count` long, keeping its storage: only growth past its length is zeroed.
    static func resize(_ samples: inout [Int16], to count: Int) {
        if samples.count < count {
            samples.append(contentsOf: repeatElement(0, count: count - samples.count))
        } else {
            samples.removeLast(samples.count - count)
        }
    }
}

/// What a BLOW5 record holds beyond the shared little-endian fields.
extension ByteReader {
    /// `value`, refused when infinite (NaN is slow5lib's missing value, handled before).
    func finite(_ value: Double, _ field: String) throws -> Double {
        guard value.isFinite else { throw PrecisError(.input, "\(context): \(field) is \(value), not a finite number") }
        return value
    }

    /// One auxiliary value of `type`; slow5lib's null of each type reads as `.missing`.
    mutating func auxValue(_ type: SLOW5AuxType, field: String) throws -> SLOW5AuxValue {
        switch type {
        case .int8: let v = try integer(Int8.self, field); return v == Int8.max ? .missing : .int(Int64(v))
        case .int16: let v = try integer(Int16.self, field); return v == Int16.max ? .missing : .int(Int64(v))
        case .int32: let v = try integer(Int32.self, field); return v == Int32.max ? .missing : .int(Int64(v))
        case .int64: let v = try integer(Int64.self, field); return v == Int64.max ? .missing : .int(v)
        case .uint8, .enumeration: let v = try u8(field); return v == UInt8.max ? .missing : .uint(UInt64(v))
        case .uint16: let v = try u16(field); return v == UInt16.max ? .missing : .uint(UInt64(v))
        case .uint32: let v = try u32(field); return v == UInt32.max ? .missing : .uint(UInt64(v))
        case .uint64: let v = try u64(field); return v == UInt64.max ? .missing : .uint(v)
        case .float: let v = Float(bitPattern: try u32(field)); return v.isNaN ? .missing : .real(try finite(Double(v), field))
        case .double: let v = try f64(field); return v.isNaN ? .missing : .real(try finite(v, field))
        case .char: let v = try u8(field); return v == 0 ? .missing : .string(String(UnicodeScalar(v)))
        case .string:
            let length = try u64("\(field) length")
            guard length <= UInt64(remaining) else { throw PrecisError(.input, "\(context): \(field) runs past its end") }
            let text = try bytes(Int(length), field)
            return length == 0 ? .missing : .string(String(decoding: text, as: UTF8.self))
        }
    }
}
