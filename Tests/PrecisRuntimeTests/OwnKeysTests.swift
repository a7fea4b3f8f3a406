import Foundation
import PrecisCore
import PrecisCrypt4GH
import PrecisRuntime
import Testing

@Suite struct OwnKeysTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("precis-keys-\(UUID().uuidString)/crypt4gh")

    private func mode(_ url: URL) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as! NSNumber).intValue
    }

    /// First use makes the pair (secret 0600 in a 0700 folder, public 0644, crypt4gh formats);
    /// the next use reads the same pair and makes nothing.
    @Test func firstUseMakesThePairAndLaterUsesReadIt() throws {
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let made = try OwnKeys.loadOrCreate(in: folder)
        #expect(made.created)
        #expect(try mode(made.secretKeyFile) == 0o600)
        #expect(try mode(folder) == 0o700)
        #expect(try mode(made.publicKeyFile) == 0o644)
        let secretText = try String(contentsOf: made.secretKeyFile, encoding: .utf8)
        #expect(secretText.hasPrefix("-----BEGIN CRYPT4GH PRIVATE KEY-----\n"))
        #expect(try Crypt4GHSecretKey(pem: secretText).bytes == made.key.bytes)
        #expect(try String(contentsOf: made.publicKeyFile, encoding: .utf8) == made.key.publicKey.pem)
        let again = try OwnKeys.loadOrCreate(in: folder)
        #expect(!again.created)
        #expect(again.key.bytes == made.key.bytes)
    }

    @Test(arguments: [0o640, 0o604, 0o644, 0o660])
    func aSecretKeyOthersMayReadIsRefused(_ loose: Int) throws {
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let made = try OwnKeys.loadOrCreate(in: folder)
        try FileManager.default.setAttributes([.posixPermissions: loose], ofItemAtPath: made.secretKeyFile.path)
        #expect { try OwnKeys.loadOrCreate(in: folder) } throws: {
            ($0 as? PrecisError)?.kind == .permission && ($0 as? PrecisError)?.hint == "chmod 600 \(made.secretKeyFile.path)"
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: made.secretKeyFile.path)
        #expect(try OwnKeys.loadOrCreate(in: folder).key.bytes == made.key.bytes, "0400 (as crypt4gh-keygen leaves it) is fine")
    }

    @Test func aPublicKeyThatIsNotTheSecretKeysIsRefused() throws {
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let made = try OwnKeys.loadOrCreate(in: folder)
        try Crypt4GHSecretKey.generate().publicKey.pem.write(to: made.publicKeyFile, atomically: true, encoding: .utf8)
        #expect { try OwnKeys.loadOrCreate(in: folder) } throws: {
            ($0 as? PrecisError)?.kind == .input && ($0 as? PrecisError)?.message.contains("is not the public key of") == true
        }
        // a missing public key is written again from the secret key
        try FileManager.default.removeItem(at: made.publicKeyFile)
        #expect(try OwnKeys.loadOrCreate(in: folder).key.publicKey == made.key.publicKey)
        #expect(try String(contentsOf: made.publicKeyFile, encoding: .utf8) == made.key.publicKey.pem)
        // a public key alone is not taken as a reason to make a new secret key
        try FileManager.default.removeItem(at: made.secretKeyFile)
        #expect { try OwnKeys.loadOrCreate(in: folder) } throws: {
            ($0 as? PrecisError)?.message.contains("has no secret key beside it") == true
        }
    }

    @Test func aDamagedOrProtectedSecretKeyIsRefusedClearly() throws {
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let made = try OwnKeys.loadOrCreate(in: folder)
        try FileManager.default.removeItem(at: made.secretKeyFile)
        let fd = open(made.secretKeyFile.path, O_WRONLY | O_CREAT, 0o600)
        let text = "-----BEGIN CRYPT4GH PRIVATE KEY-----\n\(Data("c4gh-v1\u{0}\u{6}scrypt".utf8).base64EncodedString())\n-----END CRYPT4GH PRIVATE KEY-----\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        #expect { try OwnKeys.loadOrCreate(in: folder) } throws: {
            ($0 as? PrecisError)?.message == "\(made.secretKeyFile.path): the Crypt4GH secret key is protected by a passphrase (scrypt), which Precis does not unlock"
        }
    }

    @Test func theFolderIsBesideTheStore() {
        #expect(OwnKeys.directory(databasePath: "/srv/precis/precis.sqlite").path == "/srv/precis/crypt4gh")
    }
}
