import Foundation
import GRDB
import PrecisCore

/// Where one upload to the centre's S3 inbox stands.
public enum InboxPhase: String, Sendable, Codable, DatabaseValueConvertible {
    /// The reads file is being encrypted to the `.c4gh` file beside it.
    case encrypting
    /// The encrypted file and its checksums are known; parts are going up.
    case uploading
    /// The object is whole in the inbox; its manifest is not yet.
    case uploaded
    /// The object and its manifest are both in the inbox.
    case done
}

/// The size, SHA-256 and MD5 (lower-case hex) of a file.
public struct FileChecksums: Sendable, Codable, Equatable {
    /// Bytes.
    public var size: Int
    /// SHA-256, hex.
    public var sha256: String
    /// MD5, hex (as sda-cli's manifest has it).
    public var md5: String

    /// Makes checksums from their parts.
    public init(size: Int, sha256: String, md5: String) {
        self.size = size
        self.sha256 = sha256
        self.md5 = md5
    }
}

/// One outbox entry's upload to the S3 inbox, as the store keeps it across crashes.
public struct InboxUpload: Sendable, Codable, Equatable {
    /// The outbox entry.
    public var outboxID: Int64
    /// The object's key in the bucket.
    public var objectKey: String
    /// `s3://bucket/key`.
    public var objectURL: String
    /// The encrypted file beside the reads.
    public var encryptedPath: String
    /// The part size, bytes.
    public var partSize: Int
    /// Where it stands.
    public var phase: InboxPhase
    /// The plain file's checksums, once encrypted.
    public var plain: FileChecksums?
    /// The encrypted file's checksums, once encrypted.
    public var encrypted: FileChecksums?
    /// Each part's MD5 (hex), once encrypted: what the server's ETag of the part must be.
    public var partMD5s: [String]
    /// The multipart upload the server holds for it, when one is open.
    public var uploadID: String?
    /// Every byte put on the wire for it (parts sent again count again).
    public var bytesSent: Int
    /// Parts the server took.
    public var partsSent: Int
    /// Requests sent again after a failure.
    public var retries: Int
    /// Bytes per second of the last part.
    public var rate: Double?
    /// When it began, and when last changed; when the object was whole.
    public var startedAt: String, updatedAt: String, completedAt: String?
}

/// A part the server took.
public struct InboxPart: Sendable, Codable, Equatable {
    /// Its number (1…10 000).
    public var number: Int
    /// Bytes.
    public var size: Int
    /// The server's ETag, quotes included.
    public var etag: String
    /// MD5, hex.
    public var md5: String

    /// Makes a part record.
    public init(number: Int, size: Int, etag: String, md5: String) {
        self.number = number
        self.size = size
        self.etag = etag
        self.md5 = md5
    }
}

extension Store {
    /// The upload of outbox entry `outboxID`, begun if it was not: its key, URL, the encrypted
    /// file's path and the part size are fixed at the first call.
    public func beginInboxUpload(outboxID: Int64, key: String, url: String, encryptedPath: String, partSize: Int,
                                 at: Date) throws -> InboxUpload {
        try write { db in
            let when = Timestamp.string(at)
            try db.execute(sql: """
                INSERT OR IGNORE INTO inbox_uploads (outbox_id, object_key, object_url, encrypted_path, part_size, phase,
                                                     started_at, updated_at) VALUES (?, ?, ?, ?, ?, 'encrypting', ?, ?)
                """, arguments: [outboxID, key, url, encryptedPath, partSize, when, when])
            if db.changesCount == 1 {
                try Self.audit(db, at: at, actor: "system", entity: "outbox", entityID: String(outboxID), action: "upload begun",
                               detail: ["object": url])
            }
            return try Self.fetchInboxUploads(db, where: "outbox_id = ?", [outboxID])[0]
        }
    }

    /// The upload of outbox entry `outboxID`, when begun.
    public func inboxUpload(outboxID: Int64) throws -> InboxUpload? {
        try read { db in try Self.fetchInboxUploads(db, where: "outbox_id = ?", [outboxID]).first }
    }

    /// Every upload to the inbox, oldest first.
    public func inboxUploads() throws -> [InboxUpload] {
        try read { db in try Self.fetchInboxUploads(db, where: "1", []) }
    }

    /// Bytes put on the wire, parts taken and requests retried, over every upload to the inbox.
    public func inboxTotals() throws -> (bytes: Int, parts: Int, retries: Int) {
        try read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(bytes_sent), 0) AS b, COALESCE(SUM(parts_sent), 0) AS p, COALESCE(SUM(retries), 0) AS r
                FROM inbox_uploads
                """)
            return (row?["b"] ?? 0, row?["p"] ?? 0, row?["r"] ?? 0)
        }
    }

    /// The encrypted file is written and both files' checksums known: parts may go up.
    public func recordEncrypted(outboxID: Int64, plain: FileChecksums, encrypted: FileChecksums, partMD5s: [String],
                                at: Date) throws {
        try update(outboxID, at: at, """
            phase = 'uploading', plain_size = ?, plain_sha256 = ?, plain_md5 = ?,
            encrypted_size = ?, encrypted_sha256 = ?, encrypted_md5 = ?, part_md5s = ?
            """, [plain.size, plain.sha256, plain.md5, encrypted.size, encrypted.sha256, encrypted.md5,
                  partMD5s.joined(separator: ",")])
    }

    /// The encrypted file must be made again (it was lost or does not match): back to encrypting.
    public func recordEncryptionLost(outboxID: Int64, at: Date) throws {
        try update(outboxID, at: at, "phase = 'encrypting', upload_id = NULL", [])
    }

    /// The multipart upload the server opened for it (nil: none is open any more).
    public func recordUploadID(outboxID: Int64, _ uploadID: String?, at: Date) throws {
        try update(outboxID, at: at, "upload_id = ?", [uploadID])
    }

    /// The server took part `part` of upload `uploadID`, `seconds` after it began to go.
    public func recordPart(outboxID: Int64, uploadID: String, _ part: InboxPart, seconds: Double, at: Date) throws {
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO inbox_parts (outbox_id, upload_id, number, size, etag, md5) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [outboxID, uploadID, part.number, part.size, part.etag, part.md5])
            try db.execute(sql: """
                UPDATE inbox_uploads SET parts_sent = parts_sent + 1, rate = ?, updated_at = ? WHERE outbox_id = ?
                """, arguments: [seconds > 0 ? Double(part.size) / seconds : nil, Timestamp.string(at), outboxID])
        }
    }

    /// `bytes` more went on the wire for it; `retried` when the request was a second try.
    public func recordSent(outboxID: Int64, bytes: Int, retried: Bool, at: Date) throws {
        try update(outboxID, at: at, "bytes_sent = bytes_sent + ?, retries = retries + ?", [bytes, retried ? 1 : 0])
    }

    /// The parts of upload `uploadID` the store knows the server took, by number.
    public func inboxParts(outboxID: Int64, uploadID: String) throws -> [InboxPart] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT number, size, etag, md5 FROM inbox_parts WHERE outbox_id = ? AND upload_id = ? ORDER BY number
                """, arguments: [outboxID, uploadID]).map { InboxPart(number: $0["number"], size: $0["size"], etag: $0["etag"], md5: $0["md5"]) }
        }
    }

    /// The bytes the server holds of each open multipart upload (its parts under the upload id
    /// the store has for it), by outbox entry, in one read; an upload with none held is absent.
    public func inboxHeldBytes() throws -> [Int64: Int] {
        try read { db in
            var held: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT u.outbox_id, SUM(p.size) FROM inbox_uploads u
                JOIN inbox_parts p ON p.outbox_id = u.outbox_id AND p.upload_id = u.upload_id GROUP BY u.outbox_id
                """) { held[row[0]] = row[1] }
            return held
        }
    }

    /// The object is whole in the inbox (`phase` uploaded), or its manifest is too (done).
    public func recordInboxPhase(outboxID: Int64, _ phase: InboxPhase, at: Date) throws {
        try write { db in
            let when = Timestamp.string(at)
            try db.execute(sql: """
                UPDATE inbox_uploads SET phase = ?, upload_id = CASE WHEN ? = 'uploading' THEN upload_id ELSE NULL END,
                                         completed_at = COALESCE(completed_at, CASE WHEN ? IN ('uploaded', 'done') THEN ? END),
                                         updated_at = ? WHERE outbox_id = ?
                """, arguments: [phase, phase, phase, when, when, outboxID])
            try Self.audit(db, at: at, actor: "system", entity: "outbox", entityID: String(outboxID), action: "inbox \(phase.rawValue)")
        }
    }

    private func update(_ outboxID: Int64, at: Date, _ set: String, _ arguments: [(any DatabaseValueConvertible)?]) throws {
        try write { db in
            try db.execute(sql: "UPDATE inbox_uploads SET \(set), updated_at = ? WHERE outbox_id = ?",
                           arguments: StatementArguments(arguments + [Timestamp.string(at), outboxID]))
        }
    }

    /// A result's object in the inbox, once whole (for the message that points at it).
    static func fetchInboxObject(_ db: Database, resultID: Int64) throws -> InboxUpload? {
        try fetchInboxUploads(db, where: """
            phase IN ('uploaded', 'done') AND outbox_id IN (SELECT id FROM outbox WHERE result_id = ?)
            """, [resultID]).first
    }

    static func fetchInboxUploads(_ db: Database, where clause: String, _ args: [any DatabaseValueConvertible]) throws -> [InboxUpload] {
        try Row.fetchAll(db, sql: "SELECT * FROM inbox_uploads WHERE \(clause) ORDER BY outbox_id",
                         arguments: StatementArguments(args)).map { row in
            func sums(_ prefix: String) -> FileChecksums? {
                guard let size: Int = row["\(prefix)_size"], let sha: String = row["\(prefix)_sha256"],
                      let md5: String = row["\(prefix)_md5"] else { return nil }
                return FileChecksums(size: size, sha256: sha, md5: md5)
            }
            return InboxUpload(outboxID: row["outbox_id"], objectKey: row["object_key"], objectURL: row["object_url"],
                               encryptedPath: row["encrypted_path"], partSize: row["part_size"], phase: row["phase"],
                               plain: sums("plain"), encrypted: sums("encrypted"),
                               partMD5s: (row["part_md5s"] as String?).map { $0.split(separator: ",").map(String.init) } ?? [],
                               uploadID: row["upload_id"],
                               bytesSent: row["bytes_sent"], partsSent: row["parts_sent"], retries: row["retries"],
                               rate: row["rate"], startedAt: row["started_at"], updatedAt: row["updated_at"],
                               completedAt: row["completed_at"])
        }
    }
}
