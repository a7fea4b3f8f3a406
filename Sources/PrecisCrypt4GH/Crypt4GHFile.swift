import Foundation

/// Whole files through the streaming encryptor and decryptor, read and written in chunks of
/// `chunkSize` bytes, so a file of any size takes the same few MiB of memory.
public enum Crypt4GHFile {
    /// Bytes read at a time.
    public static let chunkSize = 1 << 20

    /// Encrypts the file at `plain` to `recipients` into a new file at `encrypted`.
    public static func encrypt(_ plain: URL, to encrypted: URL, recipients: [Crypt4GHPublicKey],
                               writer: Crypt4GHSecretKey? = nil) throws {
        var encryptor = Crypt4GHEncryptor(recipients: recipients, writer: writer)
        try stream(from: plain, to: encrypted) { chunk, output in
            if let chunk { encryptor.update(chunk, into: &output) } else { encryptor.finish(into: &output) }
        }
    }

    /// Decrypts the file at `encrypted` with `key` into a new file at `plain`.
    public static func decrypt(_ encrypted: URL, to plain: URL, key: Crypt4GHSecretKey) throws {
        var decryptor = Crypt4GHDecryptor(key: key)
        try stream(from: encrypted, to: plain) { chunk, output in
            if let chunk { try decryptor.update(chunk, into: &output) } else { try decryptor.finish(into: &output) }
        }
    }

    /// Reads `source` chunk by chunk through `step` (nil at the end) into `destination`.
    private static func stream(from source: URL, to destination: URL,
                               _ step: (Data?, inout [UInt8]) throws -> Void) throws {
        let input = try FileHandle(forReadingFrom: source)
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: destination.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path])
        }
        let output = try FileHandle(forWritingTo: destination)
        defer { try? output.close() }
        var out: [UInt8] = []
        out.reserveCapacity(chunkSize + chunkSize / 32 + 4096)
        while true {
            let chunk = try input.read(upToCount: chunkSize) ?? Data()
            try step(chunk.isEmpty ? nil : chunk, &out)
            try output.write(contentsOf: out)
            out.removeAll(keepingCapacity: true)
            if chunk.isEmpty { break }
        }
    }
}
