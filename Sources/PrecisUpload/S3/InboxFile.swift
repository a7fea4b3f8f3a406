import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import PrecisCore
import PrecisCrypt4GH
import PrecisStore

/// The encrypted file an inbox upload sends, and what is known of it.
public struct EncryptedFile: Sendable, Equatable {
    /// The plain file's checksums.
    public var plain: FileChecksums
    /// The encrypted file's checksums.
    public var encrypted: FileChecksums
    /// Each part's MD5 (hex), in order: what the server's ETag of that part must be.
    public var partMD5s: [String]
}

/// The reads file encrypted to a `.c4gh` file beside it, once, before any part goes up.
///
/// Why a file and not encryption part by part on the fly: Crypt4GH draws a random data key and
/// a random nonce per segment, so encrypting the same plain bytes twice gives different bytes.
/// An upload resumed after a crash must send parts that fit the ones the server already holds,
/// so the encrypted bytes must be fixed once. Keeping them on disk fixes them without keeping
/// the data key anywhere (the store, a log) and lets any part be read again in bounded memory;
/// the cost is disk space equal to the reads until the upload is done.
public enum InboxFile {
    /// Bytes read at a time.
    public static let chunkSize = 1 << 20

    /// Encrypts `plainPath` (whose SHA-256 must be `expectedSHA256`, the digest the run stored)
    /// to `recipients` (its header packets written by `writer`) into `encryptedPath` (through a `.partial` file, flushed and renamed), and
    /// returns both files' checksums and each part's MD5 for parts of `partSize` bytes.
    public static func encrypt(plainPath: String, expectedSHA256: String, to encryptedPath: String,
                               recipients: [Crypt4GHPublicKey], writer: Crypt4GHSecretKey? = nil,
                               partSize: Int) throws -> EncryptedFile {
        guard let input = FileHandle(forReadingAtPath: plainPath) else {
            throw PrecisError(.notFound, "the reads file \(plainPath) is not there any more", hint: "it is needed until it is delivered")
        }
        defer { try? input.close() }
        let partial = encryptedPath + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil), let output = FileHandle(forWritingAtPath: partial) else {
            throw PrecisError(.storage, "cannot write \(partial)")
        }
        let sums = Sums(partSize: partSize)
        var encryptor = Crypt4GHEncryptor(recipients: recipients, writer: writer)
        var out: [UInt8] = []
        out.reserveCapacity(chunkSize + chunkSize / 32 + 4096)
        do {
            while true {
                let chunk = try input.read(upToCount: chunkSize) ?? Data()
                if chunk.isEmpty { encryptor.finish(into: &out) } else { encryptor.update(chunk, into: &out) }
                sums.add(plain: chunk, encrypted: out)
                try output.write(contentsOf: out)
                out.removeAll(keepingCapacity: true)
                if chunk.isEmpty { break }
            }
            try output.synchronize()
            try output.close()
        } catch {
            try? output.close()
            unlink(partial)
            throw PrecisError(.storage, "cannot write \(partial): \(error)")
        }
        let file = sums.finish()
        guard file.plain.sha256 == expectedSHA256 else {
            unlink(partial)
            throw PrecisError(.conflict, "the reads file \(plainPath) is not the one the run stored (its SHA-256 differs)")
        }
        guard rename(partial, encryptedPath) == 0 else { throw PrecisError(.storage, "cannot rename \(partial)") }
        return file
    }

    /// Part `number` (1-based) of the file at `path` for parts of `partSize` bytes.
    public static func part(_ number: Int, of path: String, partSize: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PrecisError(.notFound, "the encrypted file \(path) is not there any more")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64((number - 1) * partSize))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(partSize)
        while bytes.count < partSize, let chunk = try handle.read(upToCount: min(chunkSize, partSize - bytes.count)), !chunk.isEmpty {
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// The ETag S3 gives an object joined from parts with these MD5s: the MD5 of their
    /// digests, a dash and their count, in quotes.
    public static func multipartETag(partMD5s: [String]) -> String {
        var joined: [UInt8] = []
        for md5 in partMD5s { joined += hexBytes(md5) }
        return "\"\(hex(Insecure.MD5.hash(data: joined)))-\(partMD5s.count)\""
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func hexBytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = text.startIndex
        while let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex), index < text.endIndex,
              let byte = UInt8(text[index..<next], radix: 16) {
            out.append(byte)
            index = next
        }
        return out
    }

    /// The running digests of both files and of each part of the encrypted one: five digests of
    /// every chunk, three of them MD5 (which has no hardware help), shared between two threads
    /// so that the encryption's checksums take about half the time they would on one.
    final class Sums: @unchecked Sendable {
        let partSize: Int
        var plainSHA = SHA256(), plainMD5 = Insecure.MD5(), plainSize = 0
        var encSHA = SHA256(), encMD5 = Insecure.MD5(), encSize = 0
        var partMD5 = Insecure.MD5(), inPart = 0, parts: [String] = []
        var plain = Data(), encrypted: [UInt8] = []

        init(partSize: Int) { self.partSize = partSize }

        /// One chunk of the plain file and what it encrypted to (either may be empty). The two
        /// halves touch disjoint digests; `concurrentPerform` returns once both are done.
        func add(plain chunk: Data, encrypted bytes: [UInt8]) {
            plain = chunk
            encrypted = bytes
            DispatchQueue.concurrentPerform(iterations: 2) { half in
                if half == 0 { addPlain() } else { addEncrypted() }
            }
            plain = Data()
            encrypted = []
        }

        /// The plain file's SHA-256 and MD5, and the encrypted file's SHA-256.
        private func addPlain() {
            plainSHA.update(data: plain)
            plainMD5.update(data: plain)
            plainSize += plain.count
            encSHA.update(data: encrypted)
        }

        /// The encrypted file's MD5 and its parts'.
        private func addEncrypted() {
            encMD5.update(data: encrypted)
            encSize += encrypted.count
            var rest = encrypted[...]
            while !rest.isEmpty {
                let take = min(rest.count, partSize - inPart)
                partMD5.update(data: rest.prefix(take))
                inPart += take
                rest = rest.dropFirst(take)
                if inPart == partSize { endPart() }
            }
        }

        func endPart() {
            parts.append(InboxFile.hex(partMD5.finalize()))
            partMD5 = Insecure.MD5()
            inPart = 0
        }

        func finish() -> EncryptedFile {
            if inPart > 0 || parts.isEmpty { endPart() }
            return EncryptedFile(plain: FileChecksums(size: plainSize, sha256: InboxFile.hex(plainSHA.finalize()),
                                                      md5: InboxFile.hex(plainMD5.finalize())),
                                 encrypted: FileChecksums(size: encSize, sha256: InboxFile.hex(encSHA.finalize()),
                                                          md5: InboxFile.hex(encMD5.finalize())),
                                 partMD5s: parts)
        }
    }
}
