import Foundation
@testable import PrecisCrypt4GH
import Testing

/// A header with one packet sealed from `writer` to `recipient` carrying `payload`, as a
/// writer that makes other packets (an edit list, another bulk method) would.
private func header(payload: [UInt8], writer: Crypt4GHSecretKey, recipient: Crypt4GHPublicKey) -> [UInt8] {
    let shared = Sodium.writerSharedKey(secret: writer.bytes, public: writer.publicKey.bytes, recipient: recipient.bytes)!
    let nonce = Sodium.random(12)
    var sealed = [UInt8](repeating: 0, count: payload.count + 16)
    _ = payload.withUnsafeBytes { p in sealed.withUnsafeMutableBytes { Sodium.seal(p, nonce: nonce, key: shared, into: $0) } }
    var out = Array("crypt4gh".utf8)
    out.appendLittleEndian(1)
    out.appendLittleEndian(1)
    out.appendLittleEndian(UInt32(4 + 4 + 32 + 12 + sealed.count))
    out.appendLittleEndian(0)
    return out + writer.publicKey.bytes + nonce + sealed
}

private func le(_ values: UInt32...) -> [UInt8] {
    var out: [UInt8] = []
    for v in values { out.appendLittleEndian(v) }
    return out
}

@Suite struct Crypt4GHErrorTests {
    let key = Crypt4GHSecretKey.generate()
    /// The header's size with one recipient: 16 bytes, then one 108-byte packet.
    let headerSize = 16 + 108

    @Test func aWrongMagicIsRefusedAtItsFirstByte() {
        var decryptor = Crypt4GHDecryptor(key: key)
        var out: [UInt8] = []
        #expect(throws: Crypt4GHError.wrongMagic) { try decryptor.update([UInt8]("x".utf8), into: &out) }
        #expect(throws: Crypt4GHError.wrongMagic) { try decrypt(Array("crypt5gh".utf8) + [UInt8](repeating: 0, count: 200), key: key) }
        #expect(throws: Crypt4GHError.wrongMagic) { try decrypt(Array("PK\u{3}\u{4}".utf8), key: key, chunk: 1) }
    }

    @Test func anotherVersionOrPacketCountIsRefused() {
        var cipher = encrypt(plainBytes(10), to: [key.publicKey])
        cipher[8] = 2
        #expect(throws: Crypt4GHError.unsupportedVersion(2)) { try decrypt(cipher, key: key) }
        cipher[8] = 1
        cipher.replaceSubrange(12..<16, with: le(0))
        #expect(throws: Crypt4GHError.packetCount(0)) { try decrypt(cipher, key: key) }
        cipher.replaceSubrange(12..<16, with: le(5000))
        #expect(throws: Crypt4GHError.packetCount(5000)) { try decrypt(cipher, key: key) }
    }

    @Test func aPacketLengthOutsideTheLimitsIsRefused() {
        var cipher = encrypt(plainBytes(10), to: [key.publicKey])
        cipher.replaceSubrange(16..<20, with: le(10))
        #expect(throws: Crypt4GHError.packetLength(index: 0, length: 10)) { try decrypt(cipher, key: key) }
        cipher.replaceSubrange(16..<20, with: le(1 << 30))
        #expect(throws: Crypt4GHError.packetLength(index: 0, length: 1 << 30)) { try decrypt(cipher, key: key) }
    }

    @Test(arguments: [0, 10, 16, 60, 123])
    func aFileEndingInItsHeaderIsTruncated(_ length: Int) {
        let cipher = encrypt(plainBytes(10), to: [key.publicKey])
        #expect(throws: Crypt4GHError.truncatedHeader) { try decrypt(Array(cipher.prefix(length)), key: key) }
    }

    /// A header packet changed by one bit no longer opens: the file is not ours to read.
    @Test func anAlteredHeaderPacketIsNotDecryptable() {
        var cipher = encrypt(plainBytes(10), to: [key.publicKey])
        cipher[16 + 4 + 4 + 32 + 12 + 5] ^= 1
        #expect(throws: Crypt4GHError.noPacketForOurKey) { try decrypt(cipher, key: key) }
    }

    /// A last segment too short to hold a nonce, a tag and a byte is truncated; one cut inside
    /// its ciphertext fails its MAC.
    @Test func aCutLastSegmentIsTruncatedOrFailsItsMAC() {
        let cipher = encrypt(plainBytes(65536 + 10), to: [key.publicKey])
        #expect(cipher.count == headerSize + 65564 + 38)
        #expect(throws: Crypt4GHError.truncatedSegment(index: 1, bytes: 18)) { try decrypt(Array(cipher.dropLast(20)), key: key) }
        #expect(throws: Crypt4GHError.truncatedSegment(index: 1, bytes: 28)) { try decrypt(Array(cipher.dropLast(10)), key: key) }
        #expect(throws: Crypt4GHError.segmentAuthentication(index: 1)) { try decrypt(Array(cipher.dropLast(5)), key: key) }
        let long = encrypt(plainBytes(3 * 65536), to: [key.publicKey])
        #expect(throws: Crypt4GHError.segmentAuthentication(index: 2)) { try decrypt(Array(long.dropLast(1000)), key: key) }
    }

    /// One bit changed in a segment's ciphertext, nonce or tag fails that segment's MAC: the
    /// segments before it were given, nothing of it or after it.
    @Test(arguments: [0, 11, 12, 5000, 65563])
    func anAlteredSegmentFailsItsMAC(_ offset: Int) throws {
        var cipher = encrypt(plainBytes(3 * 65536), to: [key.publicKey])
        cipher[headerSize + 65564 + offset] ^= 0x40
        var decryptor = Crypt4GHDecryptor(key: key)
        var out: [UInt8] = []
        #expect(throws: Crypt4GHError.segmentAuthentication(index: 1)) { try decryptor.update(cipher, into: &out) }
        #expect(out == Array(plainBytes(3 * 65536).prefix(65536)))
    }

    @Test func anEditListOrAnotherMethodIsRefused() throws {
        let writer = Crypt4GHSecretKey.generate()
        let edits = header(payload: le(1, 2) + [UInt8](repeating: 0, count: 16), writer: writer, recipient: key.publicKey)
        #expect(throws: Crypt4GHError.editListNotSupported) { try decrypt(edits, key: key) }
        let aes = header(payload: le(0, 1) + [UInt8](repeating: 7, count: 32), writer: writer, recipient: key.publicKey)
        #expect(throws: Crypt4GHError.unsupportedPacket("bulk encryption method 1")) { try decrypt(aes, key: key) }
        let odd = header(payload: le(9) + [UInt8](repeating: 7, count: 36), writer: writer, recipient: key.publicKey)
        #expect(throws: Crypt4GHError.unsupportedPacket("packet type 9")) { try decrypt(odd, key: key) }
        // the same well-formed packet decrypts: the refusals above are about their content
        let fine = header(payload: le(0, 0) + [UInt8](repeating: 7, count: 32), writer: writer, recipient: key.publicKey)
        #expect(try decrypt(fine, key: key) == [])
    }
}

@Suite struct Crypt4GHKeyFileTests {
    @Test func keysRoundTripThroughTheirFiles() throws {
        let key = Crypt4GHSecretKey.generate()
        #expect(key.publicKey.pem.hasPrefix("-----BEGIN CRYPT4GH PUBLIC KEY-----\n"))
        #expect(try Crypt4GHPublicKey(pem: key.publicKey.pem) == key.publicKey)
        let read = try Crypt4GHSecretKey(pem: key.pem)
        #expect(read.bytes == key.bytes)
        #expect(read.publicKey == key.publicKey)
        #expect(key.publicKey != Crypt4GHSecretKey.generate().publicKey)
    }

    /// A known X25519 pair (RFC 7748 section 6.1, Alice): the public key is libsodium's X25519 of the secret.
    @Test func thePublicKeyIsX25519OfTheSecret() throws {
        let secret = try Crypt4GHSecretKey(bytes: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        #expect(secret.publicKey.bytes == hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"))
    }

    @Test func aPassphraseProtectedKeyIsRefusedClearly() throws {
        var blob = Array("c4gh-v1".utf8)
        for field in [Array("scrypt".utf8), [UInt8](repeating: 1, count: 20), Array("chacha20_poly1305".utf8),
                      [UInt8](repeating: 2, count: 60)] {
            blob += [UInt8(field.count >> 8), UInt8(field.count & 0xff)] + field
        }
        let pem = "-----BEGIN CRYPT4GH PRIVATE KEY-----\n\(Data(blob).base64EncodedString())\n-----END CRYPT4GH PRIVATE KEY-----\n"
        #expect(throws: Crypt4GHError.encryptedSecretKey(kdf: "scrypt")) { try Crypt4GHSecretKey(pem: pem) }
    }

    @Test func malformedKeyFilesAreRefused() {
        let key = Crypt4GHSecretKey.generate()
        #expect(throws: Crypt4GHError.keyFormat("no -----BEGIN CRYPT4GH PUBLIC KEY----- line")) { try Crypt4GHPublicKey(pem: key.pem) }
        #expect(throws: Crypt4GHError.keyFormat("no -----BEGIN CRYPT4GH PRIVATE KEY----- line")) {
            try Crypt4GHSecretKey(pem: key.publicKey.pem)
        }
        #expect(throws: Crypt4GHError.keyFormat("the key is not base64")) {
            try Crypt4GHPublicKey(pem: "-----BEGIN CRYPT4GH PUBLIC KEY-----\n!!!\n-----END CRYPT4GH PUBLIC KEY-----\n")
        }
        #expect(throws: Crypt4GHError.keyFormat("a public key is 32 bytes, this is 3")) {
            try Crypt4GHPublicKey(pem: "-----BEGIN CRYPT4GH PUBLIC KEY-----\nAAAA\n-----END CRYPT4GH PUBLIC KEY-----\n")
        }
        let cut = key.pem.replacingOccurrences(of: "-----END CRYPT4GH PRIVATE KEY-----\n", with: "")
        #expect(throws: Crypt4GHError.keyFormat("no -----END CRYPT4GH PRIVATE KEY----- line")) { try Crypt4GHSecretKey(pem: cut) }
        let short = "-----BEGIN CRYPT4GH PRIVATE KEY-----\n\(Data("c4gh-v1\u{0}\u{4}none\u{0}".utf8).base64EncodedString())\n-----END CRYPT4GH PRIVATE KEY-----\n"
        #expect(throws: Crypt4GHError.keyFormat("the private key ends inside a field")) { try Crypt4GHSecretKey(pem: short) }
    }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}
