import CZlib
import Foundation
import PrecisCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes SLOW5 (text) or BLOW5 (binary, each record a zlib stream, the raw signal optionally
/// svb-zd coded inside it, as slow5tools writes by default) read by read, to
/// `OUT.partial` while it is open; `finish()` writes the BLOW5 end marker, flushes to disk and
/// renames to `OUT`. A run that dies leaves the `.partial` file with every read written so far.
public final class SLOW5Writer {
    /// Where the finished file goes.
    public let url: URL
    /// Text or binary.
    public let format: SLOW5Format
    /// The header written first.
    public let header: SLOW5Header
    /// BLOW5 record compression.
    public let recordCompression: SLOW5RecordCompression
    /// BLOW5 raw-signal compression.
    public let signalCompression: SLOW5SignalCompression
    /// zlib level, 1 (fast) to 9 (small).
    public let compressionLevel: Int32
    /// Reads written so far.
    public private(set) var readsWritten = 0
    /// Bytes written so far.
    public private(set) var bytesWritten = 0
    let partial: URL
    let fd: Int32
    var buffer: [UInt8] = []
    var finished = false
    /// The record being built, kept from read to read (its storage is reused).
    var record = ByteWriter()
    /// zlib's state, made once and reset for each record: a state made per record was some
    /// 270 KB allocated and cleared for every read. A reset state writes the same bytes.
    var zlib: UnsafeMutablePointer<z_stream>?

    /// Creates `url.partial` and writes the header. Attribute values may not contain tabs or newlines.
    ///
    /// With `signalCompression: .svbZD` each record's samples are zig-zag delta coded and packed
    /// with StreamVByte before zlib sees them; zlib then codes the bytes with Huffman codes alone
    /// (Z_HUFFMAN_ONLY: the packed deltas have almost no repeats for its match search to find).
    /// On nanopore signal that is a third smaller than zlib on the plain samples and about three
    /// times as fast; any zlib reader reads it, and slow5lib (pyslow5, slow5tools) decodes svb-zd.
    public init(url: URL, format: SLOW5Format? = nil, header: SLOW5Header, recordCompression: SLOW5RecordCompression = .zlib,
                signalCompression: SLOW5SignalCompression = .none, compressionLevel: Int32 = 1) throws {
        self.url = url
        self.format = format ?? SLOW5Format.forPath(url.path)
        self.header = header
        self.recordCompression = self.format == .binary ? recordCompression : .none
        self.signalCompression = self.format == .binary ? signalCompression : .none
        self.compressionLevel = compressionLevel
        partial = URL(fileURLWithPath: url.path + ".partial")
        for (group, values) in header.readGroups.enumerated() {
            for (key, value) in values where value.contains(where: { $0 == "\t" || $0 == "\n" }) || key.contains("\t") {
                throw PrecisError(.input, "header attribute \(key) of read group \(group) contains a tab or newline")
            }
        }
        fd = open(partial.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw PrecisError(.storage, "cannot create \(partial.path): \(String(cString: strerror(errno)))")
        }
        try writeHeader()
    }

    deinit {
        if !finished { close(fd) }
        endDeflate()
    }

    func headerText() -> String {
        var text = ""
        for name in header.attributeNames {
            text += "@" + name
            for group in header.readGroups { text += "\t" + (group[name].map { $0.isEmpty ? "." : $0 } ?? ".") }
            text += "\n"
        }
        text += "#" + (SLOW5Reader.mainTypes + header.auxFields.map(\.type.spelling)).joined(separator: "\t") + "\n"
        text += "#" + (SLOW5Reader.mainColumns + header.auxFields.map(\.name)).joined(separator: "\t") + "\n"
        return text
    }

    func writeHeader() throws {
        let groups = UInt32(header.readGroups.count)
        switch format {
        case .ascii:
            buffer.append(contentsOf: Array("#slow5_version\t0.2.0\n#num_read_groups\t\(groups)\n".utf8))
            buffer.append(contentsOf: Array(headerText().utf8))
        case .binary:
            var fixed = ByteWriter()
            fixed.raw(Array("BLOW5\u{1}".utf8) + [0, 2, 0, recordCompression.rawValue])
            fixed.u32(groups)
            fixed.u8(signalCompression.rawValue)
            fixed.raw(repeatElement(0, count: 64 - fixed.bytes.count))
            let text = Array(headerText().utf8)
            fixed.u32(UInt32(text.count))
            fixed.raw(text)
            buffer.append(contentsOf: fixed.bytes)
        }
        try flush()
    }

    /// Appends one read. Its auxiliary values must match the header's auxiliary columns.
    public func write(_ read: SLOW5Read) throws {
        guard !finished else { throw PrecisError(.other, "\(url.lastPathComponent) is already finished") }
        guard Int(read.readGroup) < header.readGroups.count else {
            throw PrecisError(.input, "read \(read.readID) is in read group \(read.readGroup); the header has \(header.readGroups.count)")
        }
        guard !read.readID.isEmpty, !read.readID.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "," }) else {
            throw PrecisError(.input, "read id '\(read.readID)' is empty or contains a tab, comma or newline")
        }
        switch format {
        case .ascii: buffer.append(contentsOf: Array(textRecord(read).utf8))
        case .binary:
            record.removeAll()
            try appendBinaryRecord(read, to: &record)
            if recordCompression == .zlib {
                try appendDeflated(record.bytes)
            } else {
                withUnsafeBytes(of: UInt64(record.bytes.count).littleEndian) { buffer.append(contentsOf: $0) }
                buffer.append(contentsOf: record.bytes)
            }
        }
        readsWritten += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes the end marker, flushes to disk and renames `.partial` to the final name.
    public func finish() throws {
        guard !finished else { return }
        if format == .binary { buffer.append(contentsOf: Array("5WOLB".utf8)) }
        try flush()
        finished = true
        endDeflate()
        let synced = fsync(fd) == 0
        close(fd)
        guard synced, rename(partial.path, url.path) == 0 else {
            throw PrecisError(.storage, "cannot finish \(url.path): \(String(cString: strerror(errno)))")
        }
        let folder = open(url.deletingLastPathComponent().path, O_RDONLY)
        if folder >= 0 { fsync(folder); close(folder) }
    }

    /// Waits until what was handed to the operating system is on disk (`fdatasync`), so that
    /// `finish` has less left to wait for. The one call another thread may make while reads are
    /// written, up to `finish`.
    public func syncHandedOver() {
        _ = fdatasync(fd)
    }

    /// Hands what is buffered to the operating system (not yet to disk: `finish` syncs), so a
    /// process that dies keeps every read written before in its `.partial` file.
    public func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            guard n > 0 else {
                throw PrecisError(.storage, "cannot write \(partial.path): \(String(cString: strerror(errno)))",
                                  hint: "is the disk full? the reads written so far are in the .partial file")
            }
            offset += n
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}

extension SLOW5Writer {
    func textRecord(_ read: SLOW5Read) -> String {
        var line = read.readID + "\t\(read.readGroup)\t" + SLOW5Number.format(read.digitisation) + "\t"
            + SLOW5Number.format(read.offset) + "\t" + SLOW5Number.format(read.range) + "\t"
            + SLOW5Number.format(read.samplingRate) + "\t\(read.rawSignal.count)\t"
        line += read.rawSignal.map(String.init).joined(separator: ",")
        for field in header.auxFields { line += "\t" + (read.aux[field.name] ?? .missing).description }
        return line + "\n"
    }

    func appendBinaryRecord(_ read: SLOW5Read, to out: inout ByteWriter) throws {
        let id = Array(read.readID.utf8)
        out.u16(UInt16(id.count))
        out.raw(id)
        out.u32(read.readGroup)
        for value in [read.digitisation, read.offset, read.range, read.samplingRate] { out.f64(value) }
        switch signalCompression {
        case .none:
            out.u64(UInt64(read.rawSignal.count))
            read.rawSignal.withUnsafeBytes { out.raw($0) }   // int16 little-endian, as the host stores it
        case .svbZD:
            let packed = StreamVByte.encodeZigZagDelta(read.rawSignal)
            out.u64(UInt64(packed.count))   // svb-zd: the length is of the packed bytes
            out.raw(packed)
        }
        for field in header.auxFields { try appendAux(read.aux[field.name] ?? .missing, field, read.readID, to: &out) }
    }

    func appendAux(_ value: SLOW5AuxValue, _ field: SLOW5AuxField, _ readID: String, to out: inout ByteWriter) throws {
        func bad() -> PrecisError { PrecisError(.input, "read \(readID): \(field.name) = \(value) is not a \(field.type.spelling)") }
        switch (field.type, value) {
        case (.string, .string(let s)): out.u64(UInt64(s.utf8.count)); out.raw(Array(s.utf8))
        case (.string, .missing): out.u64(0)
        case (.char, .string(let s)): guard let c = s.utf8.first, s.utf8.count == 1 else { throw bad() }; out.u8(c)
        case (.char, .missing): out.u8(0)
        case (.float, .real(let v)): out.u32(Float(v).bitPattern)
        case (.float, .missing): out.u32(Float.nan.bitPattern)
        case (.double, .real(let v)): out.f64(v)
        case (.double, .missing): out.f64(.nan)
        case (let type, .int(let v)): try appendInteger(UInt64(bitPattern: v), signed: v < 0, type, to: &out, bad)
        case (let type, .uint(let v)): try appendInteger(v, signed: false, type, to: &out, bad)
        case (let type, .missing):
            let width = type.width
            let signed: Bool = [.int8, .int16, .int32, .int64].contains(type)
            let null: UInt64 = signed ? (1 << (8 * UInt64(width) - 1)) - 1 : (width == 8 ? .max : (1 << (8 * UInt64(width))) - 1)
            out.raw(Swift.withUnsafeBytes(of: null.littleEndian) { Array($0.prefix(width)) })
        default: throw bad()
        }
    }

    func appendInteger(_ bits: UInt64, signed: Bool, _ type: SLOW5AuxType, to out: inout ByteWriter,
                       _ bad: () -> PrecisError) throws {
        let width = type.width
        guard width > 0, type != .float, type != .double, type != .char else { throw bad() }
        if width < 8 {
            let isSignedType: Bool = [.int8, .int16, .int32].contains(type)
            let value = Int64(bitPattern: bits)
            let fits = isSignedType ? (value >= -(1 << (8 * width - 1)) && value < (1 << (8 * width - 1)))
                                    : (!signed && bits < (1 << UInt64(8 * width)))
            guard fits else { throw bad() }
        }
        out.raw(Swift.withUnsafeBytes(of: bits.littleEndian) { Array($0.prefix(width)) })
    }

    /// zlib's state for this file's records, made on first use.
    func deflateState() throws -> UnsafeMutablePointer<z_stream> {
        if let zlib { return zlib }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let strategy = signalCompression == .svbZD ? Z_HUFFMAN_ONLY : Z_DEFAULT_STRATEGY
        guard deflateInit2_(stream, compressionLevel, Z_DEFLATED, 15, 8, strategy, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw PrecisError(.other, "zlib could not start compressing a read")
        }
        zlib = stream
        return stream
    }

    func endDeflate() {
        guard let zlib else { return }
        deflateEnd(zlib)
        zlib.deallocate()
        self.zlib = nil
    }

    /// Appends `input` as a record: its size (u64), then its own zlib stream, compressed in place
    /// at the end of the output buffer.
    func appendDeflated(_ input: [UInt8]) throws {
        let stream = try deflateState()
        guard deflateReset(stream) == Z_OK else { throw PrecisError(.other, "zlib could not start compressing a read") }
        let bound = Int(deflateBound(stream, uLong(input.count)))
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: 8 + bound))
        let status: Int32 = input.withUnsafeBufferPointer { input in
            buffer.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = out.baseAddress! + start + 8
                stream.pointee.avail_out = uInt(bound)
                return CZlib.deflate(stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            buffer.removeLast(8 + bound)
            throw PrecisError(.other, "zlib failed to compress a read (\(status))")
        }
        let size = Int(stream.pointee.total_out)
        buffer.removeLast(bound - size)
        withUnsafeBytes(of: UInt64(size).littleEndian) { size in
            for k in 0..<8 { buffer[start + k] = size[k] }
        }
    }
}

extension SLOW5Writer {
    /// Finishes the `.partial` file of a writer that died (power cut, kill): keeps every whole
    /// read, drops a record cut in half, writes the end marker and renames it to `url`.
    /// Returns the reads kept.
    public static func salvage(partial: URL, to url: URL) throws -> Int {
        let reader = try SLOW5Reader(url: partial)
        var good = reader.position
        var reads = 0
        while true {
            do {
                guard try reader.next() != nil else { break }
                reads += 1
                good = reader.position
            } catch {
                break
            }
        }
        guard let handle = FileHandle(forUpdatingAtPath: partial.path) else {
            throw PrecisError(.storage, "cannot open \(partial.path) to finish it")
        }
        defer { try? handle.close() }
        try handle.truncate(atOffset: UInt64(min(good, reader.data.count)))
        try handle.seekToEnd()
        if reader.format == .binary { try handle.write(contentsOf: Data("5WOLB".utf8)) }
        try handle.synchronize()
        guard rename(partial.path, url.path) == 0 else {
            throw PrecisError(.storage, "cannot rename \(partial.path): \(String(cString: strerror(errno)))")
        }
        return reads
    }
}
