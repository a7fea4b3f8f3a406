import Foundation

/// An X25519 public key (32 bytes), as a Crypt4GH recipient or writer is named.
public struct Crypt4GHPublicKey: Sendable, Hashable {
    /// The key's 32 bytes.
    public let bytes: [UInt8]

    /// A key from its 32 bytes; anything else is `keyFormat`.
    public init(bytes: [UInt8]) throws(Crypt4GHError) {
        guard bytes.count == 32 else { throw .keyFormat("a public key is 32 bytes, this is \(bytes.count)") }
        self.bytes = bytes
    }

    /// Reads the crypt4gh public key file format (`-----BEGIN CRYPT4GH PUBLIC KEY-----`, the
    /// key in base64, `-----END CRYPT4GH PUBLIC KEY-----`).
    public init(pem text: String) throws(Crypt4GHError) {
        try self.init(bytes: try KeyArmour.decode(text, label: "CRYPT4GH PUBLIC KEY"))
    }

    /// The key in the crypt4gh public key file format, ending in a newline.
    public var pem: String { KeyArmour.encode(bytes, label: "CRYPT4GH PUBLIC KEY") }
}

/// An X25519 secret key (32 bytes) and its public key.
public struct Crypt4GHSecretKey: Sendable {
    /// The secret scalar's 32 bytes.
    public let bytes: [UInt8]
    /// Its public key.
    public let publicKey: Crypt4GHPublicKey

    /// A key from its 32 bytes.
    public init(bytes: [UInt8]) throws(Crypt4GHError) {
        guard bytes.count == 32 else { throw .keyFormat("a secret key is 32 bytes, this is \(bytes.count)") }
        self.bytes = bytes
        self.publicKey = try Crypt4GHPublicKey(bytes: Sodium.publicKey(of: bytes))
    }

    /// A new key from the system's secure random source.
    public static func generate() -> Crypt4GHSecretKey {
        try! Crypt4GHSecretKey(bytes: Sodium.random(32))
    }

    /// Reads the crypt4gh private key file format: `-----BEGIN CRYPT4GH PRIVATE KEY-----`, then
    /// base64 of `c4gh-v1`, the KDF's name, its options unless it is `none`, the cipher's name
    /// and the key (each a big-endian 16-bit length and its bytes), an optional comment.
    /// A key protected by a passphrase is refused (`encryptedSecretKey`).
    public init(pem text: String) throws(Crypt4GHError) {
        var reader = BlobReader(try KeyArmour.decode(text, label: "CRYPT4GH PRIVATE KEY"))
        guard reader.take(7) == Array("c4gh-v1".utf8) else { throw .keyFormat("no c4gh-v1 magic in the private key") }
        let kdf = String(decoding: try reader.string(), as: UTF8.self)
        guard kdf == "none" else { throw .encryptedSecretKey(kdf: kdf) }
        let cipher = String(decoding: try reader.string(), as: UTF8.self)
        guard cipher == "none" else { throw .keyFormat("cipher \(cipher) without a KDF") }
        try self.init(bytes: try reader.string())
    }

    /// The key in the crypt4gh private key file format, unprotected (kdf and cipher `none`).
    public var pem: String {
        var blob = Array("c4gh-v1".utf8)
        for field in [Array("none".utf8), Array("none".utf8), bytes] {
            blob += [UInt8(field.count >> 8), UInt8(field.count & 0xff)] + field
        }
        return KeyArmour.encode(blob, label: "CRYPT4GH PRIVATE KEY")
    }
}

/// The PEM-like armour of crypt4gh key files.
enum KeyArmour {
    static func decode(_ text: String, label: String) throws(Crypt4GHError) -> [UInt8] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard lines.first == "-----BEGIN \(label)-----" else { throw .keyFormat("no -----BEGIN \(label)----- line") }
        guard lines.count >= 3, lines.last == "-----END \(label)-----" else { throw .keyFormat("no -----END \(label)----- line") }
        guard let bytes = Data(base64Encoded: lines[1..<(lines.count - 1)].joined()) else {
            throw .keyFormat("the key is not base64")
        }
        return [UInt8](bytes)
    }

    static func encode(_ bytes: [UInt8], label: String) -> String {
        "-----BEGIN \(label)-----\n\(Data(bytes).base64EncodedString())\n-----END \(label)-----\n"
    }
}

/// Reads the private key blob's length-prefixed fields.
struct BlobReader {
    private let bytes: [UInt8]
    private var at = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ n: Int) -> [UInt8]? {
        guard n <= bytes.count - at else { return nil }
        defer { at += n }
        return Array(bytes[at..<(at + n)])
    }

    mutating func string() throws(Crypt4GHError) -> [UInt8] {
        guard let length = take(2), let field = take(Int(length[0]) << 8 | Int(length[1])) else {
            throw .keyFormat("the private key ends inside a field")
        }
        return field
    }
}
