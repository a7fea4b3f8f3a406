import Foundation
import PrecisCore
import PrecisCrypt4GH

/// Precis's own Crypt4GH key pair: the writer of every file it encrypts for the centre, so
/// the centre can check whom a file is from. Kept beside the store, in `crypt4gh/`:
/// `precis.sec` (the secret key, unprotected, mode 0600, in a folder of mode 0700) and
/// `precis.pub` (the public key, mode 0644), both in the crypt4gh key file formats.
public enum OwnKeys {
    /// The key pair as read or made: the key, its files, and whether this call made them.
    public struct Pair: Sendable {
        /// The secret key (and its public key).
        public let key: Crypt4GHSecretKey
        /// The secret key file.
        public let secretKeyFile: URL
        /// The public key file.
        public let publicKeyFile: URL
        /// True when this call generated the pair.
        public let created: Bool
    }

    /// The folder of the key pair: `crypt4gh/` beside the store `databasePath` (or the default store).
    public static func directory(databasePath: String?) -> URL {
        URL(fileURLWithPath: databasePath ?? Paths.defaultDatabase()).deletingLastPathComponent()
            .appendingPathComponent("crypt4gh")
    }

    /// Reads the pair in `directory`, generating it on first use. Refuses a secret key file
    /// others may read or write (`.permission`), a public key file that is not the secret key's
    /// (`.input`), and a public key file without its secret key (`.input`).
    public static func loadOrCreate(in directory: URL) throws -> Pair {
        let secret = directory.appendingPathComponent("precis.sec"), public_ = directory.appendingPathComponent("precis.pub")
        let fm = FileManager.default
        guard fm.fileExists(atPath: secret.path) else {
            if fm.fileExists(atPath: public_.path) {
                throw PrecisError(.input, "\(public_.path) has no secret key beside it (\(secret.lastPathComponent))",
                                  hint: "restore the secret key, or remove the public key to make a new pair")
            }
            return try create(in: directory, secret: secret, public: public_)
        }
        let mode = try (fm.attributesOfItem(atPath: secret.path)[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o077 == 0 else {
            throw PrecisError(.permission, "\(secret.path) may be read by others (mode \(String(mode, radix: 8)))",
                              hint: "chmod 600 \(secret.path)")
        }
        let key: Crypt4GHSecretKey
        do { key = try Crypt4GHSecretKey(pem: try String(contentsOf: secret, encoding: .utf8)) } catch let error as Crypt4GHError {
            throw error.precisError.context(secret.path)
        }
        if fm.fileExists(atPath: public_.path) {
            let stated: Crypt4GHPublicKey
            do { stated = try Crypt4GHPublicKey(pem: try String(contentsOf: public_, encoding: .utf8)) } catch let error as Crypt4GHError {
                throw error.precisError.context(public_.path)
            }
            guard stated == key.publicKey else {
                throw PrecisError(.input, "\(public_.path) is not the public key of \(secret.path)",
                                  hint: "remove \(public_.lastPathComponent); precis keys writes the right one")
            }
        } else {
            try write(key.publicKey.pem, to: public_, mode: 0o644)
        }
        return Pair(key: key, secretKeyFile: secret, publicKeyFile: public_, created: false)
    }

    private static func create(in directory: URL, secret: URL, public public_: URL) throws -> Pair {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let key = Crypt4GHSecretKey.generate()
        try write(key.pem, to: secret, mode: 0o600)
        try write(key.publicKey.pem, to: public_, mode: 0o644)
        return Pair(key: key, secretKeyFile: secret, publicKeyFile: public_, created: true)
    }

    /// Writes a new file that is never, even for a moment, readable beyond `mode`.
    private static func write(_ text: String, to url: URL, mode: mode_t) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw PrecisError(.storage, "cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        _ = fchmod(fd, mode)   // whatever the umask
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw PrecisError(.storage, "cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}
