import Foundation

/// Crypt4GH encryption as an incremental state machine: feed it plain bytes in pieces of any
/// size, it appends the encrypted file to your buffer (the header first, then each 64 KiB
/// segment as soon as it is whole), and `finish` seals the last, shorter segment. It holds
/// at most one segment of plain bytes, whatever the file's size.
///
/// ```
/// update(plain) -> header (first call) ‖ nonce ‖ ChaCha20-Poly1305(data key, nonce, 64 KiB) ‖ tag ‖ …
/// finish()      -> nonce ‖ ChaCha20-Poly1305(data key, nonce, last bytes) ‖ tag   (nothing when none are left)
/// ```
public struct Crypt4GHEncryptor: ~Copyable {
    private let dataKey: [UInt8]
    private var header: [UInt8]?
    private var pending: [UInt8]
    private var finished = false

    /// An encryptor to every key in `recipients` (at least one), its packets written by
    /// `writer` (the sender a recipient may check), or by a new throwaway key when nil.
    public init(recipients: [Crypt4GHPublicKey], writer: Crypt4GHSecretKey? = nil) {
        precondition(!recipients.isEmpty, "Crypt4GH needs at least one recipient")
        dataKey = Sodium.random(32)
        header = Crypt4GHFormat.header(dataKey: dataKey, writer: writer ?? .generate(), recipients: recipients)
        pending = []
        pending.reserveCapacity(Crypt4GHFormat.segmentSize)
    }

    deinit { Sodium.wipeStorage(dataKey) }

    /// Encrypts `plain`, appending to `output` the header (on the first call) and every segment
    /// that is now whole.
    public mutating func update(_ plain: some ContiguousBytes, into output: inout [UInt8]) {
        precondition(!finished, "update after finish")
        if let header { output += header; self.header = nil }
        plain.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            var rest = input[...]
            if !pending.isEmpty {
                let take = min(rest.count, Crypt4GHFormat.segmentSize - pending.count)
                pending.append(contentsOf: rest.prefix(take))
                rest = rest.dropFirst(take)
                guard pending.count == Crypt4GHFormat.segmentSize else { return }
                pending.withUnsafeBytes { Self.seal($0, key: dataKey, into: &output) }
                pending.removeAll(keepingCapacity: true)
            }
            while rest.count >= Crypt4GHFormat.segmentSize {
                Self.seal(UnsafeRawBufferPointer(rebasing: rest.prefix(Crypt4GHFormat.segmentSize)), key: dataKey, into: &output)
                rest = rest.dropFirst(Crypt4GHFormat.segmentSize)
            }
            pending.append(contentsOf: rest)
        }
    }

    /// Seals what is left as the last segment (none when nothing is left) and ends the file.
    public mutating func finish(into output: inout [UInt8]) {
        precondition(!finished, "finish twice")
        if let header { output += header; self.header = nil }
        if !pending.isEmpty { pending.withUnsafeBytes { Self.seal($0, key: dataKey, into: &output) } }
        pending.removeAll()
        finished = true
    }

    /// Appends `segment` sealed under `key` with a fresh random nonce: nonce ‖ ciphertext ‖ tag.
    private static func seal(_ segment: UnsafeRawBufferPointer, key: [UInt8], into output: inout [UInt8]) {
        let start = output.count, length = segment.count + Crypt4GHFormat.segmentOverhead
        // Grown and addressed by pointer arithmetic, not a generic append of repeated zeros and
        // buffer slices: in a debug build (what `make test` runs) those cost a generic-metadata
        // lookup per byte, and encryption ran at a few MB/s.
        output.append(contentsOf: [UInt8](repeating: 0, count: length))
        key.withUnsafeBufferPointer { key in
            output.withUnsafeMutableBytes { all in
                let base = all.baseAddress! + start
                let nonce = base.assumingMemoryBound(to: UInt8.self)
                Sodium.fillRandom(nonce, 12)
                _ = Sodium.seal(segment, nonce: nonce, key: key.baseAddress!,
                                into: UnsafeMutableRawBufferPointer(start: base + 12, count: length - 12))
            }
        }
    }

    /// The encrypted size of a plain file of `plainSize` bytes to `recipients` recipients.
    public static func encryptedSize(plainSize: Int, recipients: Int) -> Int {
        let segments = (plainSize + Crypt4GHFormat.segmentSize - 1) / Crypt4GHFormat.segmentSize
        return 16 + recipients * 108 + plainSize + segments * Crypt4GHFormat.segmentOverhead
    }
}
