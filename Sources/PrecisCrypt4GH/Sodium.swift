import CSodium

/// The libsodium calls Crypt4GH needs, each a thin wrapper: every primitive is libsodium's,
/// none is written here. `Sodium.ready` runs `sodium_init` once, before any other call.
enum Sodium {
    /// True once libsodium is initialised (it picks its fastest ChaCha20 and Poly1305 code then).
    static let ready: Bool = sodium_init() >= 0

    /// Bytes from the system's secure random source.
    static func random(_ count: Int) -> [UInt8] {
        precondition(ready, "libsodium failed to initialise")
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return bytes
    }

    /// Fills `count` bytes at `pointer` from the system's secure random source.
    @inline(__always)
    static func fillRandom(_ pointer: UnsafeMutablePointer<UInt8>, _ count: Int) {
        randombytes_buf(pointer, count)
    }

    /// The X25519 public key of a 32-byte secret key (`crypto_scalarmult_base`).
    static func publicKey(of secret: [UInt8]) -> [UInt8] {
        precondition(ready, "libsodium failed to initialise")
        var pk = [UInt8](repeating: 0, count: Int(crypto_scalarmult_BYTES))
        _ = pk.withUnsafeMutableBufferPointer { p in
            secret.withUnsafeBufferPointer { crypto_scalarmult_base(p.baseAddress!, $0.baseAddress!) }
        }
        return pk
    }

    /// The writer's key for a packet to `recipient`: libsodium's key exchange with the writer as
    /// server, its transmit key (the first 32 bytes of BLAKE2b-512(X25519(sk, pk) ‖ recipient ‖ writer)).
    static func writerSharedKey(secret: [UInt8], public writer: [UInt8], recipient: [UInt8]) -> [UInt8]? {
        sessionKeys { crypto_kx_server_session_keys($0, $1, writer, secret, recipient) }?.tx
    }

    /// The reader's key for a packet from `writer`: the same key, derived as the key exchange's
    /// client (its receive key).
    static func readerSharedKey(secret: [UInt8], public reader: [UInt8], writer: [UInt8]) -> [UInt8]? {
        sessionKeys { crypto_kx_client_session_keys($0, $1, reader, secret, writer) }?.rx
    }

    /// The receive and transmit keys one of libsodium's `crypto_kx_*_session_keys` writes, or nil
    /// when it refuses (a public key of low order).
    private static func sessionKeys(_ exchange: (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?) -> Int32)
        -> (rx: [UInt8], tx: [UInt8])? {
        precondition(ready, "libsodium failed to initialise")
        var rx = [UInt8](repeating: 0, count: Int(crypto_kx_SESSIONKEYBYTES))
        var tx = rx
        let status = rx.withUnsafeMutableBufferPointer { rxp in
            tx.withUnsafeMutableBufferPointer { txp in exchange(rxp.baseAddress, txp.baseAddress) }
        }
        return status == 0 ? (rx, tx) : nil
    }

    /// ChaCha20-Poly1305 (IETF) sealing of `plain` into `out` at `out`'s start: ciphertext then
    /// the 16-byte tag; returns the bytes written. `out` must hold `plain.count + 16`.
    @inline(__always)
    static func seal(_ plain: UnsafeRawBufferPointer, nonce: UnsafePointer<UInt8>, key: UnsafePointer<UInt8>,
                     into out: UnsafeMutableRawBufferPointer) -> Int {
        var written: UInt64 = 0
        _ = crypto_aead_chacha20poly1305_ietf_encrypt(
            out.baseAddress!.assumingMemoryBound(to: UInt8.self), &written,
            plain.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(plain.count),
            nil, 0, nil, nonce, key)
        return Int(written)
    }

    /// ChaCha20-Poly1305 (IETF) opening of `sealed` (ciphertext then tag) into `out`; nil when the
    /// tag does not verify (nothing of `out` is then to be used).
    @inline(__always)
    static func open(_ sealed: UnsafeRawBufferPointer, nonce: UnsafePointer<UInt8>, key: UnsafePointer<UInt8>,
                     into out: UnsafeMutableRawBufferPointer) -> Int? {
        var written: UInt64 = 0
        let status = crypto_aead_chacha20poly1305_ietf_decrypt(
            out.baseAddress!.assumingMemoryBound(to: UInt8.self), &written, nil,
            sealed.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(sealed.count),
            nil, 0, nonce, key)
        return status == 0 ? Int(written) : nil
    }

    /// Overwrites `bytes` with zeros in a way the compiler keeps (`sodium_memzero`).
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { sodium_memzero(base, $0.count) } }
    }

    /// Overwrites the storage of `bytes`, a key that is about to be dropped, with zeros, in
    /// place (so also every copy sharing that storage).
    static func wipeStorage(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { if let base = $0.baseAddress { sodium_memzero(UnsafeMutableRawPointer(mutating: base), $0.count) } }
    }
}
