import Foundation
import Logging
import PrecisCore
import PrecisCrypt4GH
import PrecisFormats
import PrecisStore

/// Delivers a sequencing run's reads file to the centre's S3 inbox: encrypted with Crypt4GH to
/// the configured recipients (the `.c4gh` file beside the reads), sent in parts that survive a
/// crash (the store keeps the upload id and the parts the server took, and the server's list of
/// parts is what a resumed upload starts from), then its manifest (`InboxManifest`). One
/// object per file: its key is fixed by the run and the file's name.
public final class S3InboxDestination: Destination, @unchecked Sendable {
    /// `inbox`.
    public let name: String
    /// As configured; production unless `"production": false`.
    public var production: Bool { configuration.production ?? true }
    let configuration: S3InboxConfiguration
    let client: S3Client
    let store: Store
    let recipients: [Crypt4GHPublicKey]
    let writer: Crypt4GHSecretKey?
    let sender: Sender
    let clock: @Sendable () -> Date
    let logger: Logger

    /// Sets up the client with the inbox's credentials and TLS, and reads the recipients' keys;
    /// a key or credentials file that does not read is an `.input` error naming it.
    /// `writer` (Precis's own key) writes the header packets; a throwaway key when nil.
    public init(name: String = "inbox", configuration: S3InboxConfiguration, store: Store, sender: Sender,
                writer: Crypt4GHSecretKey? = nil, retry: S3RetryPolicy = S3RetryPolicy(),
                clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "precis.upload")) throws {
        self.name = name
        self.writer = writer
        self.configuration = configuration
        self.store = store
        self.sender = sender
        self.clock = clock
        self.logger = logger
        recipients = try configuration.recipients.map(Self.publicKey)
        let credentials = try Self.credentials(configuration)
        _ = try credentials()
        client = try S3Client(configuration: configuration, credentials: credentials, retry: retry, clock: clock)
    }

    static func publicKey(_ path: String) throws -> Crypt4GHPublicKey {
        let text = try BoundedFile.text(URL(fileURLWithPath: path), limit: 4096, what: "the recipient key \(path)")
        do { return try Crypt4GHPublicKey(pem: text) } catch {
            throw PrecisError(.input, "the recipient key \(path) is not a Crypt4GH public key: \(error)",
                              hint: "inbox.recipients lists the centre's public key files (crypt4gh-keygen's .pub)")
        }
    }

    /// The credentials, inline or read from the file at each call.
    static func credentials(_ c: S3InboxConfiguration) throws -> @Sendable () throws -> SigV4.Credentials {
        if let id = c.accessKeyID, let secret = c.secretAccessKey {
            let fixed = SigV4.Credentials(accessKeyID: id, secretAccessKey: secret)
            return { fixed }
        }
        guard let file = c.credentialsFile else { throw PrecisError(.input, "the inbox has no credentials") }
        return {
            let text = try BoundedFile.text(URL(fileURLWithPath: file), limit: S3CredentialsFile.maxBytes,
                                            what: "the inbox credentials file \(file)")
            let parsed = try S3CredentialsFile.parse(text, source: file)
            return SigV4.Credentials(accessKeyID: parsed.accessKeyID, secretAccessKey: parsed.secret, sessionToken: parsed.token)
        }
    }

    /// The object's key: the prefix, the run's uid, the file's name and `.c4gh`.
    public func objectKey(_ package: ResultPackage, file: String) -> String {
        (configuration.keyPrefix ?? "") + package.run.uid + "/" + URL(fileURLWithPath: file).lastPathComponent + ".c4gh"
    }

    /// The manifest that goes after the file (what `precis export` can show of this delivery).
    public func payload(_ package: ResultPackage) throws -> Data {
        guard let upload = try store.inboxUpload(outboxID: package.entry.id), let manifest = InboxManifest(upload, package: package, site: sender.site) else {
            throw PrecisError(.input, "the reads file is not encrypted yet; its manifest is written when it is")
        }
        return try manifest.data()
    }

    /// Sends the file in one lease (tests and callers without an outbox).
    public func deliver(_ package: ResultPackage) async throws -> String {
        try await deliver(package, keepAlive: { true })
    }

    /// Encrypts (once), sends what the inbox does not hold yet, then the manifest.
    public func deliver(_ package: ResultPackage, keepAlive: @Sendable () throws -> Bool) async throws -> String {
        guard let raw = package.rawData, raw.kind == .reads, let path = raw.path else {
            throw DeliveryFailure.permanent("result \(package.result.id) has no reads file to send to the inbox")
        }
        let key = objectKey(package, file: path)
        var upload = try store.beginInboxUpload(outboxID: package.entry.id, key: key, url: "s3://\(configuration.bucket)/\(key)",
                                                encryptedPath: path + ".c4gh", partSize: configuration.partSize, at: clock())
        if upload.phase == .encrypting || (upload.phase == .uploading && !Self.intact(upload)) {
            upload = try encrypt(upload, plain: path, sha256: raw.sha256)
        }
        do {
            if upload.phase == .uploading { try await sendObject(upload, keepAlive: keepAlive) }
            upload = try store.inboxUpload(outboxID: package.entry.id) ?? upload
            if upload.phase == .uploaded { try await sendManifest(upload, package: package, readsPath: path) }
        } catch let failure as S3Failure {
            throw failure.delivery
        }
        if FileManager.default.fileExists(atPath: upload.encryptedPath) { try? FileManager.default.removeItem(atPath: upload.encryptedPath) }
        let size = upload.encrypted.map { " (\($0.size) bytes encrypted, SHA-256 \($0.sha256))" } ?? ""
        return upload.objectURL + size
    }

    /// Whether the encrypted file is still there at its recorded size.
    static func intact(_ upload: InboxUpload) -> Bool {
        guard let size = upload.encrypted?.size,
              let attributes = try? FileManager.default.attributesOfItem(atPath: upload.encryptedPath) else { return false }
        return (attributes[.size] as? Int) == size && !upload.partMD5s.isEmpty
    }

    private func encrypt(_ upload: InboxUpload, plain: String, sha256: String) throws -> InboxUpload {
        if upload.phase == .uploading { try store.recordEncryptionLost(outboxID: upload.outboxID, at: clock()) }
        let file: EncryptedFile
        do {
            file = try InboxFile.encrypt(plainPath: plain, expectedSHA256: sha256, to: upload.encryptedPath, recipients: recipients,
                                         writer: writer, partSize: upload.partSize)
        } catch let error as PrecisError where error.kind == .conflict || error.kind == .notFound {
            throw DeliveryFailure.permanent(error.message)
        }
        try store.recordEncrypted(outboxID: upload.outboxID, plain: file.plain, encrypted: file.encrypted, partMD5s: file.partMD5s,
                                  at: clock())
        logger.info("outbox \(upload.outboxID): encrypted \(file.plain.size) bytes to \(file.encrypted.size) for the inbox")
        return try store.inboxUpload(outboxID: upload.outboxID) ?? upload
    }

    /// Closes the HTTP client.
    public func shutdown() async { await client.shutdown() }
}
