import CZlib
import Foundation
import PrecisCore

/// Reads SLOW5 and BLOW5 files read by read, without holding the whole file: the file is
/// memory-mapped and each `next()` parses one record. Every malformation is an `.input`
/// error that names the file, the read and what is wrong.
///
/// Binary layout (slow5-specs, BLOW5 0.1.0/0.2.0):
/// ```
/// "BLOW5\1" | major minor patch | record press u8 | read groups u32 | signal press u8 | zeros to 64
/// header size u32 | header text (@attributes, #types, #columns)
/// { record size u64 | record (zlib stream or plain) } ...  "5WOLB"
/// ```
public final class SLOW5Reader {
    /// Text or binary.
    public let format: SLOW5Format
    /// The header.
    public let header: SLOW5Header
    /// How BLOW5 records are compressed.
    public let recordCompression: SLOW5RecordCompression
    /// How BLOW5 signals are compressed.
    public let signalCompression: SLOW5SignalCompression
    let data: Data
    let name: String
    var position: Int
    var sawEnd = false
    var readsSeen = 0
    /// The last zlib record inflated, its storage kept from record to record.
    var inflated: [UInt8] = []

    /// Opens `url`; the header is parsed now.
    public convenience init(url: URL) throws {
        let name = url.lastPathComponent
        var info = stat()
        guard stat(url.path, &info) != 0 || (info.st_mode & S_IFMT) == S_IFREG else {
            // Only a regular file is mapped; anything else (a FIFO, a device) would be read whole.
            throw PrecisError(.input, "\(name) is not a regular file; Precis reads SLOW5/BLOW5 from a file")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw PrecisError(.input, "cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(data: data, name: name)
    }

    /// Reads SLOW5 or BLOW5 held in `data` (a mapped file, or bytes in memory); `name` names
    /// it in errors. The header is parsed now.
    public init(data: Data, name: String) throws {
        self.name = name
        self.data = data
        if data.starts(with: Array("BLOW5\u{1}".utf8)) {
            format = .binary
            (header, recordCompression, signalCompression, position) = try Self.binaryHeader(data, name: name)
        } else if data.starts(with: Array("#slow5_version".utf8)) {
            format = .ascii
            recordCompression = .none
            signalCompression = .none
            (header, position) = try Self.textHeader(data, name: name)
        } else {
            throw PrecisError(.input, "\(name) is neither SLOW5 (#slow5_version) nor BLOW5 (BLOW5\\1 magic)")
        }
    }

    /// All reads of `url`.
    public static func readAll(_ url: URL) throws -> (SLOW5Header, [SLOW5Read]) {
        let reader = try SLOW5Reader(url: url)
        var reads: [SLOW5Read] = []
        while let read = try reader.next() { reads.append(read) }
        return (reader.header, reads)
    }

    /// The next read, or nil at the end of the file (a BLOW5 file must end with its EOF marker).
    public func next() throws -> SLOW5Read? {
        var samples: [Int16] = []
        guard var read = try next(samplesInto: &samples) else { return nil }
        read.rawSignal = samples
        return read
    }

    /// The next read as `next()` gives it, but its samples go into `samples`, whose storage is
    /// reused from read to read (the read's own `rawSignal` is then empty): a BLOW5 signal is
    /// decoded from the mapped file (or the inflated record) straight into it.
    public func next(samplesInto samples: inout [Int16]) throws -> SLOW5Read? {
        var read: SLOW5Read?
        if format == .binary {
            read = try nextBinary(into: &samples)
        } else if let text = try nextText() {
            samples = text.rawSignal
            read = text
            read?.rawSignal = []
        }
        if read != nil { readsSeen += 1 }
        return read
    }

    func fail(_ message: String) -> PrecisError {
        PrecisError(.input, "\(name): \(message)", hint: "the file is damaged or not SLOW5/BLOW5; slow5tools view checks it")
    }

    /// The shared fields of a read must be finite, and digitisation, range and rate positive:
    /// a NaN offset would turn every sample into NaN (and `--json` could not write it).
    func checkScaling(_ readID: String, digitisation: Double, offset: Double, range: Double, rate: Double) throws {
        guard offset.isFinite else { throw fail("read \(readID) has offset \(offset), not a finite number") }
        guard digitisation > 0, range > 0, rate > 0, digitisation.isFinite, range.isFinite, rate.isFinite else {
            throw fail("read \(readID) has digitisation \(digitisation), range \(range), sampling rate \(rate): each must be a positive finite number")
        }
    }

    /// A read's sample count within `SLOW5Limits.maxSamples`.
    func checkSamples(_ length: UInt64, _ readID: String) throws {
        guard length <= UInt64(SLOW5Limits.maxSamples) else {
            throw fail("read \(readID) has \(length) samples; Precis reads at most \(SLOW5Limits.maxSamples)")
        }
    }

    func checkReadGroup(_ group: UInt32, _ readID: String) throws {
        guard Int(group) < header.readGroups.count else {
            throw fail("read \(readID) is in read group \(group) but the header has \(header.readGroups.count)")
        }
    }
}

/// What the SLOW5/BLOW5 reader takes. The file is mapped, not read, so its size is not
/// limited; what a number in it would make Precis allocate is.
public enum SLOW5Limits {
    /// The most bytes of header (text header lines, or BLOW5's header text).
    public static let maxHeaderBytes = 1 << 20
    /// The most read groups.
    public static let maxReadGroups = 1024
    /// The most auxiliary columns.
    public static let maxAuxFields = 64
    /// The most bytes in one record: a text line, or a BLOW5 record stored or inflated.
    public static let maxRecordBytes = 256 << 20
    /// The most raw samples in one read (2.2 hours at 4 kHz).
    public static let maxSamples = 32_000_000
    /// The longest read id, in bytes (they are UUIDs: 36).
    public static let maxReadIDBytes = 1024
}

extension SLOW5Reader {
    static let mainColumns = ["read_id", "read_group", "digitisation", "offset", "range", "sampling_rate",
                              "len_raw_signal", "raw_signal"]
    static let mainTypes = ["char*", "uint32_t", "double", "double", "double", "double", "uint64_t", "int16_t*"]

    /// Parses the header lines shared by both formats: `@name\tvalue…`, the type line and the column line.
    static func parseHeaderLines(_ lines: [Substring], readGroups: Int, name: String) throws -> SLOW5Header {
        var names: [String] = []
        var groups = [[String: String]](repeating: [:], count: readGroups)
        var types: [Substring] = []
        var columns: [Substring] = []
        for line in lines where !line.isEmpty {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if line.hasPrefix("@") {
                guard fields.count == readGroups + 1 else {
                    throw PrecisError(.input, "\(name): header attribute \(fields[0]) has \(fields.count - 1) values for \(readGroups) read groups")
                }
                let key = String(fields[0].dropFirst())
                names.append(key)
                for g in 0..<readGroups where fields[g + 1] != "." { groups[g][key] = String(fields[g + 1]) }
            } else if line.hasPrefix("#read_id") {
                columns = fields
            } else if line.hasPrefix("#char*") {
                types = fields
            }
        }
        guard columns.count >= 8, types.count == columns.count,
              columns.prefix(8).map({ String($0) }) == ["#read_id"] + mainColumns.dropFirst(),
              types.prefix(8).map({ String($0) }) == ["#char*"] + mainTypes.dropFirst() else {
            throw PrecisError(.input, "\(name): the header's type and column lines are missing or not the eight SLOW5 columns")
        }
        guard columns.count - 8 <= SLOW5Limits.maxAuxFields else {
            throw PrecisError(.input, "\(name): the header names \(columns.count - 8) auxiliary columns; Precis reads at most \(SLOW5Limits.maxAuxFields)")
        }
        var aux: [SLOW5AuxField] = []
        for (column, type) in zip(columns.dropFirst(8), types.dropFirst(8)) {
            guard let parsed = SLOW5AuxType(spelling: String(type)) else {
                throw PrecisError(.input, "\(name): auxiliary column \(column) has type \(type), which Precis does not read")
            }
            aux.append(SLOW5AuxField(name: String(column), type: parsed))
        }
        return SLOW5Header(attributeNames: names, readGroups: groups, auxFields: aux)
    }

    static func version(_ text: Substring, name: String) throws -> (UInt8, UInt8, UInt8) {
        let parts = text.split(separator: ".").compactMap { UInt8($0) }
        guard parts.count == 3 else { throw PrecisError(.input, "\(name): version \(text) is not major.minor.patch") }
        guard parts[0] == 0, parts[1] <= 2 else {
            throw PrecisError(.input, "\(name): SLOW5 version \(text) is newer than the 0.2.0 Precis reads")
        }
        return (parts[0], parts[1], parts[2])
    }
}
