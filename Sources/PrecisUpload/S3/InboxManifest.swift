import Foundation
import PrecisCore
import PrecisStore

/// What the centre checks a file against on arrival: per file, the size, SHA-256 and MD5 of the
/// plain and of the encrypted file (as sda-cli's upload records them), and where the object is.
/// Written beside the reads (`<reads>.manifest.json`, like MinKNOW's hash file) and put in the
/// inbox after the object (`<run uid>/<reads>.manifest.json`).
public struct InboxManifest: Codable, Equatable, Sendable {
    /// The manifest's format: `precis-inbox-manifest/1`.
    public var format = "precis-inbox-manifest/1"
    /// The bench box.
    public var site: String
    /// The run's uid.
    public var run: String
    /// The files.
    public var files: [File]

    /// One file.
    public struct File: Codable, Equatable, Sendable {
        /// The plain file's name.
        public var name: String
        /// `s3://bucket/key` of the encrypted object.
        public var object: String
        /// The plain file.
        public var plain: FileChecksums
        /// The encrypted file (Crypt4GH).
        public var encrypted: FileChecksums
    }

    /// What follows a file's name beside the reads and in the inbox.
    public static let suffix = ".manifest.json"

    /// The manifest of `upload` from bench box `site`, once its file is encrypted.
    public init?(_ upload: InboxUpload, package: ResultPackage, site: String) {
        guard let plain = upload.plain, let encrypted = upload.encrypted else { return nil }
        let name = package.rawData?.path.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "reads"
        self.site = site
        run = package.run.uid
        files = [File(name: name, object: upload.objectURL, plain: plain, encrypted: encrypted)]
    }

    /// The manifest's key beside the object's `key` (`….c4gh` becomes `….manifest.json`).
    public static func key(forObject key: String) -> String {
        (key.hasSuffix(".c4gh") ? String(key.dropLast(5)) : key) + suffix
    }

    /// Pretty JSON with sorted keys.
    public func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
