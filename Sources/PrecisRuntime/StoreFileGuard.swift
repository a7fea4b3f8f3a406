import Foundation
import PrecisCore
import PrecisFormats

/// Refuses a file a user or an API client names when it is the store or one of SQLite's
/// companion files (`-wal`, `-shm`, `-journal`). Precis opens those only through SQLite:
/// any other descriptor on the store, once closed, drops every POSIX lock this process holds
/// on it, and the next Precis to close the store then deletes the `-wal` this one still
/// writes to (SQLite's "How To Corrupt An SQLite Database File", §2.2).
///
/// The check compares device and inode (`stat`, which follows symbolic links) and, for a path
/// that does not exist yet (`--out`), the folder it would be created in and its name. It never
/// opens the file: opening it to look is exactly what drops the locks.
public struct StoreFileGuard: Sendable {
    /// SQLite's files beside the database: the database itself, the WAL, its index, the rollback journal.
    static let suffixes = ["", "-wal", "-shm", "-journal"]
    /// The most symbolic links followed for a path that does not exist (as the kernel's ELOOP).
    static let maxLinks = 40

    /// The store's path, as given.
    public let storePath: String

    /// A guard for the store at `storePath`.
    public init(storePath: String) { self.storePath = storePath }

    /// A guard for the store Precis would open: `explicit` (`--db`), else `Paths.defaultDatabase()`.
    public static func forStore(_ explicit: String?) -> StoreFileGuard {
        StoreFileGuard(storePath: explicit ?? Paths.defaultDatabase())
    }

    /// Throws `.input` when `path` is the store or one of its files; `role` names what the
    /// path was given for (`--out`, `replay:`, `profile=`), never the store's own path.
    public func admit(_ path: String, as role: String) throws {
        guard isStoreFile(path) else { return }
        throw PrecisError(.input, "the file given for \(role) is this Precis store or one of its SQLite files",
                          hint: "name another file; Precis opens the store only as its database")
    }

    /// `admit` for a file URL.
    public func admit(_ url: URL, as role: String) throws { try admit(url.path, as: role) }

    /// Throws `.input` when the open descriptor `fd` (standard output redirected by the shell)
    /// is the store or one of its files; `fstat` only, nothing is opened or closed.
    public func admit(descriptor fd: Int32, as role: String) throws {
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return }
        guard storeIdentities().contains(FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))) else { return }
        throw PrecisError(.input, "\(role) is this Precis store or one of its SQLite files", hint: "redirect the output to another file")
    }

    /// `admit` for each path that is given.
    public func admit(_ paths: [(path: String?, role: String)]) throws {
        for (path, role) in paths { if let path { try admit(path, as: role) } }
    }

    /// Whether `path` is (or, not existing yet, would be created as) the store or one of its files.
    public func isStoreFile(_ path: String) -> Bool {
        let resolved = Self.resolved(path)
        if let identity = Self.identity(resolved), storeIdentities().contains(identity) { return true }
        let bases = Set([storePath, Self.resolved(storePath)])
        guard let folder = Self.identity(Self.folder(of: resolved)) else { return false }
        let name = Self.name(of: resolved)
        return bases.contains { base in
            Self.identity(Self.folder(of: base)) == folder && Self.suffixes.contains { Self.name(of: base) + $0 == name }
        }
    }

    /// The device and inode of each of the store's files that exists now.
    func storeIdentities() -> Set<FileIdentity> {
        let bases = Set([storePath, Self.resolved(storePath)])
        return Set(bases.flatMap { base in Self.suffixes.compactMap { Self.identity(base + $0) } })
    }

    /// A file's device and inode, following links; nil when it does not exist.
    static func identity(_ path: String) -> FileIdentity? {
        var info = stat()
        guard !path.isEmpty, stat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// `path` with its last component's symbolic links followed (a chain of them, or one that
    /// dangles: then where it points, which an open would create). Folders above are left to `stat`.
    static func resolved(_ path: String) -> String {
        var current = path
        for _ in 0..<maxLinks {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count > 0 else { return current }
            let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : folder(of: current) + "/" + target
        }
        return current
    }

    /// The folder holding `path` (`.` for a bare name).
    static func folder(of path: String) -> String {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// The last component of `path`.
    static func name(of path: String) -> String {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? trimmed
    }
}

/// A file as the kernel knows it: device and inode, equal for every link to it.
struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64
}

extension PrecisConfiguration {
    /// The files the configuration names (TLS and OAuth 2 secrets), with their settings' names.
    var files: [(path: String?, role: String)] {
        [(centre?.caFile, "centre.caFile"), (centre?.clientCertificate, "centre.clientCertificate"),
         (centre?.clientKey, "centre.clientKey"), (centre?.clientSecretFile, "centre.clientSecretFile")]
    }
}
