import Foundation
import Testing

/// `precis keys` from the command line: the pair made on first use beside the store, the
/// same public key shown after, a loose secret key refused with one line and exit 5.
@Suite struct CLIKeysTests {
    @Test func showsTheSamePublicKeyMadeOnFirstUse() throws {
        let db = newDatabase()
        let first = try precis(["keys"], db: db)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("-----BEGIN CRYPT4GH PUBLIC KEY-----\n"))
        #expect(first.stdout.hasSuffix("-----END CRYPT4GH PUBLIC KEY-----\n"))
        #expect(first.stderr.contains("made a new key pair"))
        let folder = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("crypt4gh")
        #expect(try String(contentsOf: folder.appendingPathComponent("precis.pub"), encoding: .utf8) == first.stdout)
        let second = try precis(["keys"], db: db)
        #expect(second.status == 0 && second.stdout == first.stdout)
        #expect(!second.stderr.contains("made a new key pair"))
        let json = try #require(try precis(["keys", "--json"], db: db).json() as? [String: Any])
        #expect(json["publicKey"] as? String == first.stdout && json["created"] as? Bool == false)
        #expect(json["secretKeyFile"] as? String == folder.appendingPathComponent("precis.sec").path)
        #expect(try precis(["keys"], db: newDatabase()).stdout != first.stdout, "another store, another pair")
    }

    @Test func aLooseSecretKeyIsRefused() throws {
        let db = newDatabase()
        #expect(try precis(["keys"], db: db).status == 0)
        let secret = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent("crypt4gh/precis.sec")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: secret.path)
        let refused = try precis(["keys"], db: db)
        #expect(refused.status == 5)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("may be read by others (mode 644)") && refused.stderr.contains("chmod 600"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1 && !looksLikeACrash(refused.stderr))
    }
}
