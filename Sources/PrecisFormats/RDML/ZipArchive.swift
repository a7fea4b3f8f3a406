import CZlib
import Foundation
import PrecisCore

/// The few ZIP operations RDML needs (APPNOTE 6.3): list and read entries (stored or
/// deflated, through the system zlib), and write an archive of stored entries.
public enum ZipArchive {
    /// The entries of a ZIP archive by name, inflated; a damaged archive is an `.input` error.
    public static func entries(_ data: Data) throws -> [String: Data] {
        let bytes = [UInt8](data)
        guard let end = endOfCentralDirectory(bytes) else { throw PrecisError(.input, "not a ZIP archive (no end of central directory)") }
        var offset = Int(u32(bytes, end + 16)), entries: [String: Data] = [:], inflated = 0
        let count = Int(u16(bytes, end + 10))
        guard count <= maxEntries else {
            throw PrecisError(.input, "the ZIP archive has \(count) entries; Precis reads at most \(maxEntries)")
        }
        for _ in 0..<count {
            guard offset + 46 <= bytes.count, u32(bytes, offset) == 0x0201_4B50 else {
                throw PrecisError(.input, "the ZIP central directory is damaged")
            }
            let method = u16(bytes, offset + 10), crc = u32(bytes, offset + 16), compressed = Int(u32(bytes, offset + 20)), size = Int(u32(bytes, offset + 24))
            let nameLength = Int(u16(bytes, offset + 28)), extra = Int(u16(bytes, offset + 30)), comment = Int(u16(bytes, offset + 32))
            let local = Int(u32(bytes, offset + 42))
            guard offset + 46 + nameLength <= bytes.count, local + 30 <= bytes.count else { throw PrecisError(.input, "a ZIP entry is cut off") }
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            let start = local + 30 + Int(u16(bytes, local + 26)) + Int(u16(bytes, local + 28))
            guard start + compressed <= bytes.count else { throw PrecisError(.input, "ZIP entry \(name) is cut off") }
            inflated += size
            guard inflated <= maxInflatedBytes else {
                throw PrecisError(.input, "the ZIP archive would inflate to more than \(maxInflatedBytes) bytes (entry \(name.prefix(60)) "
                                  + "alone is \(size)); Precis reads at most \(maxInflatedBytes) (\(BoundedFile.describe(maxInflatedBytes)))")
            }
            let payload = Array(bytes[start..<(start + compressed)])
            let contents: Data
            switch method {
            case 0: contents = Data(payload)
            case 8: contents = try inflate(payload, size: size, name: name)
            default: throw PrecisError(.input, "ZIP entry \(name) uses compression method \(method), which Precis does not read")
            }
            guard checksum(contents) == crc else { throw PrecisError(.input, "ZIP entry \(name) fails its CRC-32 check (damaged archive)") }
            entries[name] = contents
            offset += 46 + nameLength + extra + comment
        }
        return entries
    }

    /// The most bytes all entries may inflate to together, whatever their ratio (an RDML file
    /// of a 384-well run with melt curves is a few MiB; its XML is read up to `XMLLimits.maxDocumentBytes`).
    public static let maxInflatedBytes = XMLLimits.maxDocumentBytes
    /// The most entries an archive may list (an RDML archive holds one).
    public static let maxEntries = 64

    /// The CRC-32 of `data` (as ZIP and gzip use it).
    static func checksum(_ data: Data) -> UInt32 {
        let body = [UInt8](data)
        return UInt32(body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) })
    }

    /// An archive holding `files` (name, contents), stored without compression.
    public static func archive(_ files: [(String, Data)]) -> Data {
        var out = [UInt8](), central = [UInt8]()
        for (name, contents) in files {
            let nameBytes = Array(name.utf8), body = [UInt8](contents)
            let crc = checksum(contents)
            let local = out.count
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc)
                + le32(UInt32(body.count)) + le32(UInt32(body.count)) + le16(UInt16(nameBytes.count)) + le16(0) + nameBytes + body
            central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0) + le32(crc)
                + le32(UInt32(body.count)) + le32(UInt32(body.count)) + le16(UInt16(nameBytes.count)) + le16(0) + le16(0)
                + le16(0) + le16(0) + le32(0) + le32(UInt32(local)) + nameBytes
        }
        let directory = out.count
        out += central
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(files.count)) + le16(UInt16(files.count))
            + le32(UInt32(central.count)) + le32(UInt32(directory)) + le16(0)
        return Data(out)
    }

    /// Whether `data` starts like a ZIP archive.
    public static func isArchive(_ data: Data) -> Bool { data.prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]) }

    private static func inflate(_ input: [UInt8], size: Int, name: String) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw PrecisError(.other, "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(size, 1))
        var mutableInput = input
        let status: Int32 = mutableInput.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return CZlib.inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END, Int(stream.total_out) == size else {
            throw PrecisError(.input, "ZIP entry \(name) does not inflate (damaged archive)")
        }
        return Data(output)
    }

    private static func endOfCentralDirectory(_ b: [UInt8]) -> Int? {
        guard b.count >= 22 else { return nil }
        var i = b.count - 22
        while i >= max(0, b.count - 22 - 65_535) {
            if u32(b, i) == 0x0605_4B50 { return i }
            i -= 1
        }
        return nil
    }

    private static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { i + 1 < b.count ? UInt16(b[i]) | UInt16(b[i + 1]) << 8 : 0 }
    private static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        i + 3 < b.count ? UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24 : 0
    }
    private static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
}
