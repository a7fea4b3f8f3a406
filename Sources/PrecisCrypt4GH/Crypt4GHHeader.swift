/// The Crypt4GH version 1 header (GA4GH Crypt4GH specification, section 3.2): the magic
/// `crypt4gh`, the version 1 and a packet count (little-endian 32-bit), then the packets.
///
/// ```
/// packet: length u32 | method u32 = 0 (X25519_chacha20_ietf_poly1305) | writer's public key 32
///         | nonce 12 | ChaCha20-Poly1305(shared key, nonce, payload) (payload + 16-byte tag)
/// payload of a data encryption parameters packet:
///         type u32 = 0 | data encryption method u32 = 0 (chacha20_ietf_poly1305) | data key 32
/// ```
/// The shared key is libsodium's X25519 key exchange (`crypto_kx`): the first 32 bytes of
/// BLAKE2b-512(X25519(sk, pk) ‖ reader's public key ‖ writer's public key).
public enum Crypt4GHFormat {
    /// The file's first 8 bytes.
    public static let magic: [UInt8] = Array("crypt4gh".utf8)
    /// The only version written and read.
    public static let version: UInt32 = 1
    /// Plain bytes per segment (the last may be shorter; an empty file has no segment).
    public static let segmentSize = 65536
    /// What ChaCha20-Poly1305 adds to each segment: its 12-byte nonce and 16-byte tag.
    public static let segmentOverhead = 12 + 16
    /// Bytes of one full encrypted segment.
    public static let cipherSegmentSize = segmentSize + segmentOverhead

    static let packetTypeDataEncryption: UInt32 = 0
    static let packetTypeEditList: UInt32 = 1
    static let methodX25519ChaCha20Poly1305: UInt32 = 0
    static let dataMethodChaCha20Poly1305: UInt32 = 0

    /// The header for `recipients`, each given a packet carrying `dataKey`, sealed with the
    /// key shared between `writer` and that recipient.
    static func header(dataKey: [UInt8], writer: Crypt4GHSecretKey, recipients: [Crypt4GHPublicKey]) -> [UInt8] {
        var payload: [UInt8] = []
        payload.appendLittleEndian(packetTypeDataEncryption)
        payload.appendLittleEndian(dataMethodChaCha20Poly1305)
        payload += dataKey
        var out = magic
        out.appendLittleEndian(version)
        out.appendLittleEndian(UInt32(recipients.count))
        for recipient in recipients {
            var shared = Sodium.writerSharedKey(secret: writer.bytes, public: writer.publicKey.bytes,
                                                recipient: recipient.bytes)!
            defer { Sodium.wipe(&shared) }
            let nonce = Sodium.random(12)
            var sealed = [UInt8](repeating: 0, count: payload.count + 16)
            let n = payload.withUnsafeBytes { plain in
                sealed.withUnsafeMutableBytes { Sodium.seal(plain, nonce: nonce, key: shared, into: $0) }
            }
            out.appendLittleEndian(UInt32(4 + 4 + 32 + 12 + n))
            out.appendLittleEndian(methodX25519ChaCha20Poly1305)
            out += writer.publicKey.bytes + nonce + sealed[0..<n]
        }
        Sodium.wipe(&payload)
        return out
    }

    /// The data keys in `packets` (each packet without its length field) that `reader` can open.
    static func dataKeys(packets: [[UInt8]], reader: Crypt4GHSecretKey) throws(Crypt4GHError) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        for packet in packets {
            guard packet.littleEndianUInt32(at: 0) == methodX25519ChaCha20Poly1305 else { continue }
            let writer = Array(packet[4..<36])
            guard var shared = Sodium.readerSharedKey(secret: reader.bytes, public: reader.publicKey.bytes, writer: writer)
            else { continue }
            defer { Sodium.wipe(&shared) }
            let nonce = Array(packet[36..<48])
            var payload = [UInt8](repeating: 0, count: packet.count - 48 - 16)
            let opened = packet.withUnsafeBytes { sealed in
                payload.withUnsafeMutableBytes {
                    Sodium.open(UnsafeRawBufferPointer(rebasing: sealed[48...]), nonce: nonce, key: shared, into: $0)
                }
            }
            guard opened != nil else { continue }
            switch payload.littleEndianUInt32(at: 0) {
            case packetTypeDataEncryption?:
                guard payload.count == 40 else { throw .unsupportedPacket("data encryption parameters of \(payload.count) bytes") }
                let method = payload.littleEndianUInt32(at: 4)!
                guard method == dataMethodChaCha20Poly1305 else { throw .unsupportedPacket("bulk encryption method \(method)") }
                keys.append(Array(payload[8..<40]))
            case packetTypeEditList?: throw .editListNotSupported
            case let type?: throw .unsupportedPacket("packet type \(type)")
            case nil: throw .unsupportedPacket("an empty packet")
            }
            Sodium.wipe(&payload)
        }
        guard !keys.isEmpty else { throw .noPacketForOurKey }
        return keys
    }
}

extension [UInt8] {
    mutating func appendLittleEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)])
    }

    func littleEndianUInt32(at offset: Int) -> UInt32? {
        guard offset >= 0, count - offset >= 4 else { return nil }
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(self[offset + $1]) << (8 * $1) }
    }
}
