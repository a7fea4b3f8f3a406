import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PrecisCore

/// Files that are either whole or absent, and stay written: for what a person or another
/// system will read (an LIS drop folder, a plate's RDML). Foundation's atomic write renames
/// but never flushes to disk, so a power cut can leave an empty file under the final name.
public enum DurableFile {
    /// Writes `data` to `temporary`, flushes it to disk, renames it to `target` (atomic,
    /// replacing any file there) and flushes the folder, so that a reader never sees half a
    /// file and a file reported written survives a power cut.
    public static func write(_ data: Data, to target: URL, via temporary: URL) throws {
        func fail(_ what: String) -> PrecisError { PrecisError(.other, "\(what): \(String(cString: strerror(errno)))") }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw fail("cannot create \(temporary.path)") }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced else {
            unlink(temporary.path)
            throw fail("cannot write \(temporary.path)")
        }
        guard rename(temporary.path, target.path) == 0 else {
            unlink(temporary.path)
            throw fail("cannot rename to \(target.path)")
        }
        let folder = open(target.deletingLastPathComponent().path, O_RDONLY)
        if folder >= 0 { fsync(folder); close(folder) }
    }

    /// Writes `data` to `target` through a hidden temporary file beside it.
    public static func write(_ data: Data, to target: URL) throws {
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        try write(data, to: target, via: temporary)
    }
}
