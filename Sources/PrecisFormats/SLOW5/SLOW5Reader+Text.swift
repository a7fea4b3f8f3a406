import Foundation
import PrecisCore

extension SLOW5Reader {
    static func textHeader(_ data: Data, name: String) throws -> (SLOW5Header, Int) {
        var lines: [Substring] = []
        var position = 0
        var versionText: Substring = ""
        var groups = 1
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            while position < raw.count, raw[position] == UInt8(ascii: "#") || raw[position] == UInt8(ascii: "@") {
                guard let end = raw[position...].firstIndex(of: UInt8(ascii: "\n")) else {
                    throw PrecisError(.input, "\(name): the header ends without a newline")
                }
                let line = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: raw[position..<end]), as: UTF8.self))
                position = end + 1
                if line.hasPrefix("#slow5_version\t") { versionText = line.dropFirst("#slow5_version\t".count) }
                else if line.hasPrefix("#num_read_groups\t") {
                    guard let n = Int(line.dropFirst("#num_read_groups\t".count)), n >= 1, n < 1 << 20 else {
                        throw PrecisError(.input, "\(name): #num_read_groups is not a positive number")
                    }
                    groups = n
                } else { lines.append(line) }
                if line.hasPrefix("#read_id") { break }
            }
        }
        let version = try version(versionText, name: name)
        var header = try parseHeaderLines(lines, readGroups: groups, name: name)
        (header.versionMajor, header.versionMinor, header.versionPatch) = version
        return (header, position)
    }

    func nextText() throws -> SLOW5Read? {
        guard position < data.count else { return nil }
        let line: String = data.withUnsafeBytes { raw in
            let end = raw[position...].firstIndex(of: UInt8(ascii: "\n")) ?? raw.count
            defer { position = end + 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[position..<end]), as: UTF8.self)
        }
        if line.isEmpty { return try nextText() }
        return try parseTextRecord(line)
    }

    func parseTextRecord(_ line: String) throws -> SLOW5Read {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        let readID = String(fields[0])
        guard fields.count == 8 + header.auxFields.count else {
            throw fail("read \(readID) has \(fields.count) columns, the header names \(8 + header.auxFields.count)")
        }
        func number<T: LosslessStringConvertible>(_ index: Int, _ type: T.Type) throws -> T {
            guard let value = T(String(fields[index])) else {
                throw fail("read \(readID): \(Self.mainColumns[index]) '\(fields[index])' is not a number")
            }
            return value
        }
        let group = try number(1, UInt32.self)
        try checkReadGroup(group, readID)
        let digitisation = try number(2, Double.self), offset = try number(3, Double.self)
        let range = try number(4, Double.self), rate = try number(5, Double.self)
        let length = try number(6, UInt64.self)
        var signal: [Int16] = []
        signal.reserveCapacity(Int(min(length, 1 << 28)))
        for text in fields[7].split(separator: ",", omittingEmptySubsequences: false) where !(length == 0 && text.isEmpty) {
            guard let sample = Int16(text) else { throw fail("read \(readID): raw sample '\(text)' is not an int16") }
            signal.append(sample)
        }
        guard UInt64(signal.count) == length else {
            throw fail("read \(readID) says len_raw_signal \(length) but holds \(signal.count) samples")
        }
        guard digitisation > 0, range > 0, rate > 0 else {
            throw fail("read \(readID) has digitisation \(digitisation), range \(range), sampling rate \(rate): each must be positive")
        }
        var aux: [String: SLOW5AuxValue] = [:]
        for (field, text) in zip(header.auxFields, fields.dropFirst(8)) {
            aux[field.name] = try auxValue(String(text), field: field, read: readID)
        }
        return SLOW5Read(readID: readID, readGroup: group, digitisation: digitisation, offset: offset, range: range,
                         samplingRate: rate, rawSignal: signal, aux: aux)
    }

    func auxValue(_ text: String, field: SLOW5AuxField, read: String) throws -> SLOW5AuxValue {
        if text == "." { return .missing }
        let value: SLOW5AuxValue?
        switch field.type {
        case .int8, .int16, .int32, .int64: value = Int64(text).map { .int($0) }
        case .uint8, .uint16, .uint32, .uint64: value = UInt64(text).map { .uint($0) }
        case .enumeration(let labels): value = UInt64(text).flatMap { $0 < labels.count ? .uint($0) : nil }
        case .float, .double: value = Double(text).map { .real($0) }
        case .char, .string: value = .string(text)
        }
        guard let value else { throw fail("read \(read): \(field.name) '\(text)' is not a \(field.type.spelling)") }
        return value
    }
}
