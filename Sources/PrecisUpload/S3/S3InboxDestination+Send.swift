import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore

/// The lease passed to another uploader in the middle of a file: this one stops sending.
struct LeaseLost: Error {}

extension S3InboxDestination {
    /// Sends the encrypted file: whole (PutObject) when it fits in one part, else the parts the
    /// server does not hold yet of the one multipart upload kept for it, then joins them.
    func sendObject(_ upload: InboxUpload, keepAlive: @Sendable () throws -> Bool) async throws {
        guard let encrypted = upload.encrypted else { throw PrecisError(.storage, "outbox \(upload.outboxID): no checksums") }
        let counted = counter(upload.outboxID)
        if encrypted.size <= upload.partSize {
            let body = try InboxFile.part(1, of: upload.encryptedPath, partSize: upload.partSize)
            let started = Date()
            let etag = try await client.putObject(key: upload.objectKey, body: body, contentType: "application/octet-stream",
                                                  sent: counted)
            try check(etag, is: "\"\(encrypted.md5)\"", what: "the object")
            try store.recordPart(outboxID: upload.outboxID, uploadID: "put", InboxPart(number: 1, size: body.count, etag: etag,
                                 md5: encrypted.md5), seconds: Date().timeIntervalSince(started), at: clock())
            return try store.recordInboxPhase(outboxID: upload.outboxID, .uploaded, at: clock())
        }
        guard let uploadID = try await openUpload(upload) else {
            return try store.recordInboxPhase(outboxID: upload.outboxID, .uploaded, at: clock())   // whole already
        }
        let held = try await heldParts(upload, uploadID: uploadID)
        for number in 1...upload.partMD5s.count where held[number] == nil {
            guard try keepAlive() else { throw LeaseLost() }
            let body = try InboxFile.part(number, of: upload.encryptedPath, partSize: upload.partSize)
            let started = Date()
            let etag = try await client.uploadPart(key: upload.objectKey, uploadID: uploadID, number: number, body: body, sent: counted)
            try check(etag, is: "\"\(upload.partMD5s[number - 1])\"", what: "part \(number)")
            try store.recordPart(outboxID: upload.outboxID, uploadID: uploadID, InboxPart(number: number, size: body.count, etag: etag,
                                 md5: upload.partMD5s[number - 1]), seconds: Date().timeIntervalSince(started), at: clock())
        }
        try await complete(upload, uploadID: uploadID)
    }

    /// The multipart upload to resume: the store's when the server still holds it, else the
    /// newest the server holds for the key (one whose create answer was lost), else a new one.
    /// Every other open upload of the key is stale and aborted. Nil when the object is already
    /// whole in the inbox (its Complete's answer was lost).
    func openUpload(_ upload: InboxUpload) async throws -> String? {
        let open = try await client.listMultipartUploads(prefix: upload.objectKey).filter { $0.key == upload.objectKey }
        let kept = open.first { $0.uploadID == upload.uploadID }?.uploadID
            ?? open.max { $0.initiated < $1.initiated }?.uploadID
        for stale in open where stale.uploadID != kept {
            try await client.abortMultipartUpload(key: upload.objectKey, uploadID: stale.uploadID)
            logger.info("outbox \(upload.outboxID): aborted a stale upload of \(upload.objectKey)")
        }
        if let kept {
            if kept != upload.uploadID { try store.recordUploadID(outboxID: upload.outboxID, kept, at: clock()) }
            return kept
        }
        if upload.uploadID != nil, try await isWhole(upload) { return nil }
        let created = try await client.createMultipartUpload(key: upload.objectKey)
        try store.recordUploadID(outboxID: upload.outboxID, created, at: clock())
        return created
    }

    /// The parts the server holds that are this file's (number, size and MD5 all match), by number.
    func heldParts(_ upload: InboxUpload, uploadID: String) async throws -> [Int: String] {
        var held: [Int: String] = [:]
        let size = upload.encrypted?.size ?? 0
        for part in try await client.listParts(key: upload.objectKey, uploadID: uploadID) {
            guard (1...upload.partMD5s.count).contains(part.number) else { continue }
            let expected = min(upload.partSize, size - (part.number - 1) * upload.partSize)
            if part.size == expected, Self.unquoted(part.etag) == upload.partMD5s[part.number - 1] { held[part.number] = part.etag }
        }
        return held
    }

    /// Joins the parts; when the server no longer knows the upload, the object is whole if its
    /// ETag and size say so, else the upload starts again at the next attempt.
    func complete(_ upload: InboxUpload, uploadID: String) async throws {
        let parts = upload.partMD5s.enumerated().map { (number: $0.offset + 1, etag: "\"\($0.element)\"") }
        do {
            _ = try await client.completeMultipartUpload(key: upload.objectKey, uploadID: uploadID, parts: parts)
        } catch let failure as S3Failure where failure.code == "NoSuchUpload" {
            guard try await isWhole(upload) else {
                try store.recordUploadID(outboxID: upload.outboxID, nil, at: clock())
                throw S3Failure(status: failure.status, code: failure.code, message: "the upload was gone before it was joined; "
                                + "it starts again", retryAfter: 0)
            }
        }
        try store.recordInboxPhase(outboxID: upload.outboxID, .uploaded, at: clock())
    }

    /// Whether the object in the inbox is this file joined from its parts.
    func isWhole(_ upload: InboxUpload) async throws -> Bool {
        guard let head = try await client.headObject(key: upload.objectKey) else { return false }
        return head.size == upload.encrypted?.size && head.etag == InboxFile.multipartETag(partMD5s: upload.partMD5s)
    }

    /// Writes the manifest beside the reads, then puts it in the inbox after the object.
    func sendManifest(_ upload: InboxUpload, package: ResultPackage, readsPath: String) async throws {
        guard let manifest = InboxManifest(upload, package: package, site: sender.site) else { return }
        let data = try manifest.data()
        try DurableFile.write(data, to: URL(fileURLWithPath: readsPath + InboxManifest.suffix))
        _ = try await client.putObject(key: InboxManifest.key(forObject: upload.objectKey), body: Array(data),
                                       contentType: "application/json", sent: counter(upload.outboxID))
        try store.recordInboxPhase(outboxID: upload.outboxID, .done, at: clock())
    }

    /// Counts each try's bytes in the store.
    func counter(_ outboxID: Int64) -> @Sendable (Int, Bool) -> Void {
        let (store, clock) = (store, clock)
        return { bytes, retried in try? store.recordSent(outboxID: outboxID, bytes: bytes, retried: retried, at: clock()) }
    }

    func check(_ etag: String, is expected: String, what: String) throws {
        guard etag.isEmpty || etag == expected else {
            throw S3Failure(status: 200, code: "BadDigest", message: "the inbox holds \(what) as \(etag), not \(expected)")
        }
    }

    static func unquoted(_ etag: String) -> String { etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
}
