import Foundation
import PrecisCore

extension SLOW5Reader {
    static func textHeader(_ data: Data, name: String) throws -> (SLOW5Header, Int) {
        var lines: [Substring] = []
        var position = 0
        var versionText: Substring = ""
        var groups = 1
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let limit = min(raw.count, SLOW5Limits.maxHeaderBytes)
            while position < raw.count, raw[position] == UInt8(ascii: "#") || raw[position] == UInt8(ascii: "@") {
                guard let end = raw[position..<limit].firstIndex(of: UInt8(ascii: "\n")) else {
                    guard limit == raw.count else {
                        throw PrecisError(.input, "\(name): the header runs past \(SLOW5Limits.maxHeaderBytes) bytes; Precis reads at most \(SLOW5Limits.maxHeaderBytes)")
                    }
                    throw PrecisError(.input, "\(name): the header ends without a newline")
                }
                let line = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: raw[position..<end]), as: UTF8.self))
                position = end + 1
                if line.hasPrefix("#slow5_version\t") { versionText = line.dropFirst("#slow5_version\t".count) }
                else if line.hasPrefix("#num_read_groups\t") {
                    guard let n = Int(line.dropFirst("#num_read_groups\t".count)), n >= 1 else {
                        throw PrecisError(.input, "\(name): #num_read_groups is not a positive number")
                    }
                    guard n <= SLOW5Limits.maxReadGroups else {
                        throw PrecisError(.input, "\(name): the header has \(n) read groups; Precis reads at most \(SLOW5Limits.maxReadGroups)")
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
        while position < data.count {
            let line: String? = data.withUnsafeBytes { raw in
                let window = min(raw.count, position + SLOW5Limits.maxRecordBytes + 1)
                guard let end = raw[position..<window].firstIndex(of: UInt8(ascii: "\n")) ?? (window == raw.count ? raw.count : nil)
                else { return nil }
                defer { position = end + 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: raw[position..<end]), as: UTF8.self)
            }
            guard let line else {
                throw fail("read \(readsSeen + 1)'s line is longer than \(SLOW5Limits.maxRecordBytes) bytes; Precis reads at most \(SLOW5Limits.maxRecordBytes)")
            }
            if !line.isEmpty { return try parseTextRecord(line) }
        }
        return nil
    }

    func parseTextRecord(_ line: String) throws -> SLOW5Read {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        let readID = String(fields[0].prefix(SLOW5Limits.maxReadIDBytes))
        guard fields[0].utf8.count <= SLOW5Limits.maxReadIDBytes else {
            throw fail("read \(readsSeen + 1)'s id is \(fields[0].utf8.count) bytes; Precis reads at most \(SLOW5Limits.maxReadIDBytes)")
        }
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
        try checkSamples(length, readID)
        // Each sample takes at least two characters (a digit and a comma) but the last.
        guard length <= UInt64(fields[7].utf8.count / 2 + 1) else {
            throw fail("read \(readID) says len_raw_signal \(length) but its raw_signal is \(fields[7].utf8.count) characters")
        }
        let signal = try samples(fields[7], length: Int(length), readID: readID)
        try checkScaling(readID, digitisation: digitisation, offset: offset, range: range, rate: rate)
        var aux: [String: SLOW5AuxValue] = [:]
        for (field, text) in zip(header.auxFields, fields.dropFirst(8)) {
            aux[field.name] = try auxValue(String(text), field: field, read: readID)
        }
        return SLOW5Read(readID: readID, readGroup: group, digitisation: digitisation, offset: offset, range: range,
                         samplingRate: rate, rawSignal: signal, aux: aux)
    }

    /// The comma-separated int16 samples of `text`, walked without splitting it (a read of
    /// millions of samples must not become millions of substrings first).
    func samples(_ text: Substring, length: Int, readID: String) throws -> [Int16] {
        var signal: [Int16] = []
        signal.reserveCapacity(length)
        guard length > 0 || !text.isEmpty else { return signal }
        var start = text.startIndex
        while true {
            let end = text[start...].firstIndex(of: ",") ?? text.endIndex
            guard let sample = Int16(text[start..<end]) else {
                throw fail("read \(readID): raw sample '\(text[start..<end].prefix(40))' is not an int16")
            }
            signal.append(sample)
            guard signal.count <= length else { break }
            guard end < text.endIndex else { break }
            start = text.index(after: end)
        }
        guard signal.count == length else {
            throw fail("read \(readID) says len_raw_signal \(length) but holds \(signal.count > length ? "more" : "\(signal.count)") samples")
        }
        return signal
    }

    func auxValue(_ text: String, field: SLOW5AuxField, read: String) throws -> SLOW5AuxValue {
        if text == "." { return .missing }
        let value: SLOW5AuxValue?
        switch field.type {
        case .int8, .int16, .int32, .int64: value = Int64(text).map { .int($0) }
        case .uint8, .uint16, .uint32, .uint64: value = UInt64(text).map { .uint($0) }
        case .enumeration(let labels): value = UInt64(text).flatMap { $0 < labels.count ? .uint($0) : nil }
        case .float, .double: value = Double(text).flatMap { $0.isFinite ? .real($0) : nil }
        case .char, .string: value = .string(text)
        }
        guard let value else { throw fail("read \(read): \(field.name) '\(text)' is not a \(field.type.spelling)") }
        return value
    }
}
