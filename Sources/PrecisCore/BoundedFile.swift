import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads an outside file within a stated size: the size is taken from the file system
/// (`fstat`) before a byte is read, and the read stops one byte past the limit, so a file
/// that grows while it is read, a FIFO or `/dev/zero` is refused too, in bounded memory.
public enum BoundedFile {
    /// The bytes of `url`. A file larger than `limit` bytes is a `kind` error naming `what`
    /// (e.g. "line profile p.csv"), its size and the limit; one that cannot be opened says so.
    public static func read(_ url: URL, limit: Int, what: String, kind: ErrorKind = .input) throws -> Data {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw PrecisError(kind, "cannot read \(what) (\(String(cString: strerror(errno))))",
                              hint: "check the path and that the file is readable")
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw PrecisError(kind, "\(what) is a folder, not a file")
        }
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) > limit {
            throw tooLarge(what, size: "\(info.st_size) bytes", limit: limit, kind: kind)
        }
        var data = Data(), chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw PrecisError(kind, "cannot read \(what) (\(String(cString: strerror(errno))))") }
            if n == 0 { return data }
            data.append(contentsOf: chunk[0..<n])
            if data.count > limit { throw tooLarge(what, size: "more than \(limit) bytes", limit: limit, kind: kind) }
        }
    }

    /// The text of `url` as UTF-8, within `limit` bytes as `read` reads it; bytes that are not
    /// UTF-8 are a `kind` error.
    public static func text(_ url: URL, limit: Int, what: String, kind: ErrorKind = .input) throws -> String {
        let data = try read(url, limit: limit, what: what, kind: kind)
        guard let text = String(data: data, encoding: .utf8) else { throw PrecisError(kind, "\(what) is not UTF-8 text") }
        return text
    }

    /// The error for a file past its limit: "<what> is <size>; Precis reads at most <limit> bytes (<MiB>)".
    public static func tooLarge(_ what: String, size: String, limit: Int, kind: ErrorKind = .input) -> PrecisError {
        PrecisError(kind, "\(what) is \(size); Precis reads at most \(limit) bytes (\(describe(limit)))",
                    hint: "this is not a file Precis wrote or an instrument makes; check it is the right file")
    }

    /// A byte count as people read it: "64 KiB", "16 MiB".
    public static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
