import Crypto
import Foundation
import PrecisCrypt4GH
import Testing

/// Against the crypt4gh reference implementation (PyPI crypt4gh 1.8.6, EGA; pinned in
/// requirements.txt), through `python/crypt4gh_reference.py`: what Precis encrypts it
/// decrypts to the same bytes, what it encrypts Precis decrypts, and its key files are ours.
@Suite struct Crypt4GHConformanceTests {
    static let sizes = [0, 1, 65535, 65536, 65537, 5 << 20 | 12345]

    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("precis-c4gh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private func file(_ name: String) -> URL { folder.appendingPathComponent(name) }

    /// A key pair made by the reference's keygen, read by Precis: (secret, its files).
    private func referenceKey(_ name: String) throws -> (Crypt4GHSecretKey, sk: URL, pk: URL) {
        let (sk, pk) = (file("\(name).sec"), file("\(name).pub"))
        _ = try runReference("crypt4gh_reference.py", ["keygen", sk.path, pk.path])
        let key = try Crypt4GHSecretKey(pem: String(contentsOf: sk, encoding: .utf8))
        #expect(try Crypt4GHPublicKey(pem: String(contentsOf: pk, encoding: .utf8)) == key.publicKey,
                "our public key of the reference's secret key is the reference's public key")
        return (key, sk, pk)
    }

    /// Deterministic plain bytes of `size`, written to a file.
    private func plainFile(_ size: Int) throws -> (URL, Data) {
        var state = UInt64(size) &+ 0x2545_f491_4f6c_dd1d
        let bytes = (0..<size).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let url = file("plain-\(size)")
        try Data(bytes).write(to: url)
        return (url, Data(bytes))
    }

    @Test(arguments: sizes)
    func theReferenceDecryptsWhatPrecisEncrypts(_ size: Int) throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (centre, centreSK, _) = try referenceKey("centre")
        let precis = Crypt4GHSecretKey.generate()
        let precisPK = file("precis.pub")
        try precis.publicKey.pem.write(to: precisPK, atomically: true, encoding: .utf8)
        let (plain, bytes) = try plainFile(size)
        try Crypt4GHFile.encrypt(plain, to: file("c4gh"), recipients: [centre.publicKey], writer: precis)
        // checking the writer: the packets say they are from Precis's key
        _ = try runReference("crypt4gh_reference.py", ["decrypt", centreSK.path, file("c4gh").path, file("out").path, precisPK.path])
        let out = try Data(contentsOf: file("out"))
        #expect(out.count == size)
        #expect(SHA256.hash(data: out) == SHA256.hash(data: bytes))
    }

    @Test(arguments: sizes)
    func precisDecryptsWhatTheReferenceEncrypts(_ size: Int) throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (centre, _, centrePK) = try referenceKey("centre")
        let (plain, bytes) = try plainFile(size)
        _ = try runReference("crypt4gh_reference.py", ["encrypt", "-", plain.path, file("c4gh").path, centrePK.path])
        #expect(try Data(contentsOf: file("c4gh")).count == Crypt4GHEncryptor.encryptedSize(plainSize: size, recipients: 1),
                "the reference's file has the size our encryptor's would")
        try Crypt4GHFile.decrypt(file("c4gh"), to: file("out"), key: centre)
        let out = try Data(contentsOf: file("out"))
        #expect(out.count == size)
        #expect(SHA256.hash(data: out) == SHA256.hash(data: bytes))
    }

    /// Several recipients, both ways: each reads the file, with the other's implementation.
    @Test func severalRecipientsBothWays() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = try (0..<3).map { try referenceKey("r\($0)") }
        let (plain, bytes) = try plainFile(200_000)
        try Crypt4GHFile.encrypt(plain, to: file("ours"), recipients: keys.map(\.0.publicKey))
        for (i, key) in keys.enumerated() {
            _ = try runReference("crypt4gh_reference.py", ["decrypt", key.sk.path, file("ours").path, file("out\(i)").path])
            #expect(try Data(contentsOf: file("out\(i)")) == bytes, "recipient \(i) with the reference")
        }
        _ = try runReference("crypt4gh_reference.py", ["encrypt", "-", plain.path, file("theirs").path] + keys.map(\.pk.path))
        for (i, key) in keys.enumerated() {
            try Crypt4GHFile.decrypt(file("theirs"), to: file("back\(i)"), key: key.0)
            #expect(try Data(contentsOf: file("back\(i)")) == bytes, "recipient \(i) with Precis")
        }
        #expect(throws: Crypt4GHError.noPacketForOurKey) {
            try Crypt4GHFile.decrypt(file("theirs"), to: file("none"), key: .generate())
        }
    }

    /// A file the reference gave a data edit list (`rearrange`) is refused by name, not misread.
    @Test func anEditListFromTheReferenceIsRefused() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let (centre, sk, pk) = try referenceKey("centre")
        let (plain, _) = try plainFile(100_000)
        _ = try runReference("crypt4gh_reference.py", ["encrypt", "-", plain.path, file("c4gh").path, pk.path])
        _ = try runReference("crypt4gh_reference.py", ["rearrange", sk.path, pk.path, file("c4gh").path, file("edited").path, "10", "100"])
        #expect(throws: Crypt4GHError.editListNotSupported) {
            try Crypt4GHFile.decrypt(file("edited"), to: file("out"), key: centre)
        }
    }

    /// The reference reads the secret key file Precis writes.
    @Test func theReferenceReadsOurKeyFiles() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let ours = Crypt4GHSecretKey.generate()
        try ours.pem.write(to: file("ours.sec"), atomically: true, encoding: .utf8)
        try ours.publicKey.pem.write(to: file("ours.pub"), atomically: true, encoding: .utf8)
        let (plain, bytes) = try plainFile(70_000)
        _ = try runReference("crypt4gh_reference.py", ["encrypt", file("ours.sec").path, plain.path, file("c4gh").path, file("ours.pub").path])
        _ = try runReference("crypt4gh_reference.py", ["decrypt", file("ours.sec").path, file("c4gh").path, file("out").path, file("ours.pub").path])
        #expect(try Data(contentsOf: file("out")) == bytes)
    }
}
