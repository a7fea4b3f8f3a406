import PrecisCore

/// Everything that can be wrong with a Crypt4GH file or key, each its own case (never read from
/// message text). `precisError` puts it in the shared vocabulary.
public enum Crypt4GHError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not start with the 8 bytes `crypt4gh`.
    case wrongMagic
    /// The header names a format version other than 1.
    case unsupportedVersion(UInt32)
    /// The header lists no packets, or more than `Crypt4GHLimits.maximumPackets`.
    case packetCount(UInt32)
    /// A header packet's length is below the smallest packet or above `Crypt4GHLimits.maximumPacketLength`.
    case packetLength(index: Int, length: UInt32)
    /// The input ended inside the header.
    case truncatedHeader
    /// No header packet could be decrypted with our secret key: the file was not encrypted to us.
    case noPacketForOurKey
    /// A packet we could decrypt is not one we understand (its type or bulk encryption method).
    case unsupportedPacket(String)
    /// The file carries a data edit list, which this reader does not apply.
    case editListNotSupported
    /// The input ended inside a segment: fewer bytes than a nonce and a tag.
    case truncatedSegment(index: Int, bytes: Int)
    /// A segment's Poly1305 tag did not verify with any of the file's data keys (altered, or
    /// truncated when it is the last).
    case segmentAuthentication(index: Int)
    /// A key file is not in a format we read (what is wrong is said).
    case keyFormat(String)
    /// The secret key file is protected by a passphrase, which Precis does not unlock.
    case encryptedSecretKey(kdf: String)

    /// One line for the technician.
    public var description: String {
        switch self {
        case .wrongMagic: "not a Crypt4GH file (it does not start with \"crypt4gh\")"
        case .unsupportedVersion(let v): "unsupported Crypt4GH version \(v) (only version 1 is read)"
        case .packetCount(let n): "Crypt4GH header lists \(n) packets (1 to \(Crypt4GHLimits.maximumPackets) are read)"
        case .packetLength(let i, let length):
            "Crypt4GH header packet \(i) has length \(length) (\(Crypt4GHLimits.minimumPacketLength) to \(Crypt4GHLimits.maximumPacketLength) are read)"
        case .truncatedHeader: "Crypt4GH file ends inside its header"
        case .noPacketForOurKey: "no Crypt4GH header packet decrypts with our secret key: the file was not encrypted to us"
        case .unsupportedPacket(let what): "unsupported Crypt4GH header packet: \(what)"
        case .editListNotSupported: "the Crypt4GH file carries a data edit list, which Precis does not apply"
        case .truncatedSegment(let i, let n): "Crypt4GH segment \(i) is truncated (\(n) bytes, fewer than a nonce and a MAC)"
        case .segmentAuthentication(let i): "Crypt4GH segment \(i) failed authentication (MAC): the file was altered or truncated"
        case .keyFormat(let what): "not a Crypt4GH key: \(what)"
        case .encryptedSecretKey(let kdf): "the Crypt4GH secret key is protected by a passphrase (\(kdf)), which Precis does not unlock"
        }
    }

    /// This error as a `PrecisError` of kind `.input`.
    public var precisError: PrecisError {
        switch self {
        case .encryptedSecretKey: PrecisError(.input, description, hint: "use a key made without a passphrase (crypt4gh-keygen --nocrypt)")
        case .noPacketForOurKey: PrecisError(.input, description, hint: "encrypt it to our public key (precis keys)")
        default: PrecisError(.input, description)
        }
    }
}

/// The stated limits of the Crypt4GH reader (principle 15): a header larger than these is refused.
public enum Crypt4GHLimits {
    /// Most header packets read (one per recipient and data key, plus an edit list).
    public static let maximumPackets: UInt32 = 1024
    /// The smallest packet: length, method, writer's key, nonce, tag.
    public static let minimumPacketLength: UInt32 = 4 + 4 + 32 + 12 + 16
    /// The largest packet read (an edit list of about 8,000 lengths).
    public static let maximumPacketLength: UInt32 = 65536
}
