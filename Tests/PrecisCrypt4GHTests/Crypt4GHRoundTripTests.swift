import Foundation
@testable import PrecisCrypt4GH
import Testing

/// Deterministic plain bytes: every file a test encrypts is different, and reproducible.
func plainBytes(_ count: Int, seed: UInt64 = 0x9e37_79b9_7f4a_7c15) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// Encrypts `plain` fed in pieces of `chunk` bytes.
func encrypt(_ plain: [UInt8], to recipients: [Crypt4GHPublicKey], writer: Crypt4GHSecretKey? = nil,
             chunk: Int = .max) -> [UInt8] {
    var encryptor = Crypt4GHEncryptor(recipients: recipients, writer: writer)
    var out: [UInt8] = []
    var at = 0
    repeat {
        let end = at + min(chunk, plain.count - at)
        encryptor.update(Array(plain[at..<end]), into: &out)
        at = end
    } while at < plain.count
    encryptor.finish(into: &out)
    return out
}

/// Decrypts `cipher` fed in pieces of `chunk` bytes.
func decrypt(_ cipher: [UInt8], key: Crypt4GHSecretKey, chunk: Int = .max) throws(Crypt4GHError) -> [UInt8] {
    var decryptor = Crypt4GHDecryptor(key: key)
    var out: [UInt8] = []
    var at = 0
    repeat {
        let end = at + min(chunk, cipher.count - at)
        try decryptor.update(Array(cipher[at..<end]), into: &out)
        at = end
    } while at < cipher.count
    try decryptor.finish(into: &out)
    return out
}

@Suite struct Crypt4GHRoundTripTests {
    static let sizes = [0, 1, 65535, 65536, 65537, 3 * 65536 + 17, 3 << 20]

    /// Every size around the segment boundary comes back byte for byte, and the file has
    /// exactly the size the format gives (header, then 28 bytes more per started segment).
    @Test(arguments: sizes)
    func roundTripsWhole(_ size: Int) throws {
        let centre = Crypt4GHSecretKey.generate()
        let plain = plainBytes(size)
        let cipher = encrypt(plain, to: [centre.publicKey])
        #expect(cipher.count == Crypt4GHEncryptor.encryptedSize(plainSize: size, recipients: 1))
        #expect(Array(cipher.prefix(8)) == Array("crypt4gh".utf8))
        #expect(try decrypt(cipher, key: centre) == plain)
        if size >= 64 {   // the plain bytes appear nowhere in the file
            #expect(cipher.firstRange(of: plain[16..<48]) == nil)
        }
    }

    /// Fed and read in awkward pieces (one byte, a prime, a segment and one), the streams
    /// give the same bytes as whole: the state machines keep nothing back and lose nothing.
    @Test(arguments: [1, 7, 4093, 65537])
    func roundTripsDripFed(_ chunk: Int) throws {
        let centre = Crypt4GHSecretKey.generate()
        let size = chunk == 1 ? 65536 + 300 : 3 * 65536 + 5
        let plain = plainBytes(size, seed: UInt64(chunk))
        let cipher = encrypt(plain, to: [centre.publicKey], chunk: chunk)
        #expect(cipher.count == Crypt4GHEncryptor.encryptedSize(plainSize: size, recipients: 1))
        #expect(try decrypt(cipher, key: centre, chunk: chunk) == plain)
    }

    /// One file for several recipients: each of them reads it, someone else cannot.
    @Test func everyRecipientAndNoOneElseDecrypts() throws {
        let recipients = (0..<3).map { _ in Crypt4GHSecretKey.generate() }
        let plain = plainBytes(100_000)
        let cipher = encrypt(plain, to: recipients.map(\.publicKey), writer: .generate())
        #expect(cipher.count == Crypt4GHEncryptor.encryptedSize(plainSize: plain.count, recipients: 3))
        for key in recipients { #expect(try decrypt(cipher, key: key) == plain) }
        #expect(throws: Crypt4GHError.noPacketForOurKey) { try decrypt(cipher, key: .generate()) }
    }

    /// Two encryptions of the same bytes differ (fresh data key and nonces each time).
    @Test func encryptionIsRandomised() {
        let key = Crypt4GHSecretKey.generate()
        let plain = plainBytes(1000)
        #expect(encrypt(plain, to: [key.publicKey]) != encrypt(plain, to: [key.publicKey]))
    }

    /// The file helpers stream through the same machines.
    @Test func filesRoundTrip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("c4gh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = Crypt4GHSecretKey.generate()
        let plain = plainBytes(Crypt4GHFile.chunkSize * 2 + 12345)
        let (p, c, d) = (folder.appendingPathComponent("p"), folder.appendingPathComponent("c"), folder.appendingPathComponent("d"))
        try Data(plain).write(to: p)
        try Crypt4GHFile.encrypt(p, to: c, recipients: [key.publicKey])
        try Crypt4GHFile.decrypt(c, to: d, key: key)
        #expect(try Data(contentsOf: c).count == Crypt4GHEncryptor.encryptedSize(plainSize: plain.count, recipients: 1))
        #expect(try [UInt8](Data(contentsOf: d)) == plain)
    }
}
