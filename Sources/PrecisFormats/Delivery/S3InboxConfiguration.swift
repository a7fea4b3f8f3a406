import Foundation
import PrecisCore

/// How to reach the centre's S3 inbox, where a sequencing run's reads file goes, encrypted with
/// Crypt4GH to the centre's public keys (`"inbox"` in the configuration file).
///
/// ```json
/// "inbox": {"endpoint": "https://inbox.centre.example", "bucket": "ward7", "region": "eu-north-1",
///           "keyPrefix": "bench2/", "partSizeMiB": 16, "credentialsFile": "/etc/precis/s3-credentials",
///           "recipients": ["/etc/precis/centre.pub"], "caFile": "/etc/precis/centre-ca.pem"}
/// ```
public struct S3InboxConfiguration: Sendable, Codable, Equatable {
    /// The S3 service's URL, `https://host[:port]` (path-style requests: `/bucket/key`).
    public var endpoint: String
    /// The bucket (the inbox).
    public var bucket: String
    /// The region the requests are signed for (`us-east-1` when absent).
    public var region: String?
    /// Put before every object's key, e.g. `bench2/`.
    public var keyPrefix: String?
    /// The size of each part of a multipart upload, in MiB (16 when absent; 5 to 5120).
    public var partSizeMiB: Int?
    /// The access key id, given inline.
    public var accessKeyID: String?
    /// The secret access key, given inline (prefer `credentialsFile`, which can be 0600).
    public var secretAccessKey: String?
    /// A file holding the credentials in the AWS credentials file format
    /// (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`), re-read at each
    /// delivery so that a token that is renewed on disk is used.
    public var credentialsFile: String?
    /// The recipients' Crypt4GH public key files (the centre's keys): at least one.
    public var recipients: [String]
    /// A CA certificate (PEM) to trust instead of the system's store.
    public var caFile: String?
    /// Seconds before one request is given up (60 when absent; shorter than the lease).
    public var timeoutSeconds: Double?
    /// False for a test or training inbox; absent or true, training runs' reads are refused.
    public var production: Bool?

    /// Makes a configuration from its required parts.
    public init(endpoint: String, bucket: String, recipients: [String]) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.recipients = recipients
    }

    /// The part size when none is configured, MiB.
    public static let defaultPartSizeMiB = 16
    /// S3's smallest part (all but the last), MiB, and the largest, MiB.
    public static let partSizeRange = 5...5120
    /// The most recipients taken (each adds a header packet).
    public static let maxRecipients = 16
    /// The request timeout when none is configured, s.
    public static let defaultTimeoutSeconds = 60.0

    /// The part size in bytes.
    public var partSize: Int { (partSizeMiB ?? Self.defaultPartSizeMiB) << 20 }
    /// The region requests are signed for.
    public var signingRegion: String { region ?? "us-east-1" }
    /// The request timeout, s.
    public var timeout: Double { timeoutSeconds ?? Self.defaultTimeoutSeconds }

    /// Refuses what would not work, each with the field named: an endpoint that is not
    /// http(s), a bucket S3 would not take, a part size outside S3's limits, credentials
    /// both or neither inline and from a file (or half inline), no recipient or too many.
    public func check(_ refuse: (String) -> PrecisError) throws {
        guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
              url.path.isEmpty || url.path == "/", url.query == nil else {
            throw refuse("inbox.endpoint '\(endpoint)' is not an http(s) URL without a path (https://host[:port])")
        }
        guard Self.isBucketName(bucket) else {
            throw refuse("inbox.bucket '\(bucket)' is not an S3 bucket name (3–63 of a–z, 0–9, '.', '-', starting and ending with a letter or digit)")
        }
        if let region, region.isEmpty || !region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) || region.count > 32 {
            throw refuse("inbox.region '\(region)' is not a region name (like eu-north-1)")
        }
        if let keyPrefix, keyPrefix.utf8.count > 512 || keyPrefix.hasPrefix("/") || keyPrefix.contains("..") {
            throw refuse("inbox.keyPrefix must be at most 512 bytes, not start with '/' and not hold '..'")
        }
        if let partSizeMiB, !Self.partSizeRange.contains(partSizeMiB) {
            throw refuse("inbox.partSizeMiB is \(partSizeMiB); S3 takes parts of 5 to 5120 MiB")
        }
        try checkCredentials(refuse)
        guard !recipients.isEmpty, recipients.count <= Self.maxRecipients, recipients.allSatisfy({ !$0.isEmpty }) else {
            throw refuse("inbox.recipients must name 1 to \(Self.maxRecipients) Crypt4GH public key files (the centre's keys)")
        }
        if let timeout = timeoutSeconds, !(timeout > 0 && timeout <= 600) {
            throw refuse("inbox.timeoutSeconds is \(timeout); Precis takes more than 0 and at most 600")
        }
    }

    private func checkCredentials(_ refuse: (String) -> PrecisError) throws {
        let inline = (accessKeyID != nil, secretAccessKey != nil)
        if inline.0 != inline.1 { throw refuse("inbox: accessKeyID and secretAccessKey go together") }
        if inline.0, credentialsFile != nil { throw refuse("inbox: give the credentials inline or in credentialsFile, not both") }
        if !inline.0, credentialsFile == nil {
            throw refuse("inbox: no credentials; set credentialsFile (or accessKeyID and secretAccessKey)")
        }
    }

    /// S3's rules for a bucket name (path-style: no upper case, no '_').
    static func isBucketName(_ name: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789.-")
        guard (3...63).contains(name.count), name.allSatisfy(allowed.contains),
              let first = name.first, let last = name.last, first.isLetter || first.isNumber, last.isLetter || last.isNumber else {
            return false
        }
        return !name.contains("..")
    }
}

/// Credentials in the AWS credentials file format: `key = value` lines, `#`/`;` comments, and
/// `[section]` headers (the `[default]` section, or the only one, is read).
public enum S3CredentialsFile {
    /// The largest credentials file read, bytes.
    public static let maxBytes = 16 << 10

    /// The access key id, secret and session token in `text` (from `source`, named in errors).
    public static func parse(_ text: String, source: String) throws -> (accessKeyID: String, secret: String, token: String?) {
        guard text.utf8.count <= maxBytes else { throw PrecisError(.input, "\(source) is larger than \(maxBytes) bytes") }
        var values: [String: String] = [:]
        var section = "default"
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") { section = String(line.dropFirst().dropLast()); continue }
            guard section == "default", let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            values[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        guard let id = values["aws_access_key_id"], !id.isEmpty, let secret = values["aws_secret_access_key"], !secret.isEmpty else {
            throw PrecisError(.input, "\(source) has no aws_access_key_id and aws_secret_access_key in its [default] section")
        }
        return (id, secret, values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 })
    }
}
