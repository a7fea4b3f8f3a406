import Crypto
import Foundation
import PrecisCore
import PrecisFormats

/// A part as the server lists it.
public struct S3ListedPart: Sendable, Equatable {
    /// Its number.
    public var number: Int
    /// Its ETag, quotes included.
    public var etag: String
    /// Bytes.
    public var size: Int
}

/// A multipart upload the server holds open.
public struct S3OpenUpload: Sendable, Equatable {
    /// The object's key.
    public var key: String
    /// The upload id.
    public var uploadID: String
    /// When it was begun, as the server writes it.
    public var initiated: String
}

/// The multipart upload API (docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html).
///
/// ```
/// POST   /bucket/key?uploads                      -> <InitiateMultipartUploadResult><UploadId>
/// PUT    /bucket/key?partNumber=N&uploadId=U      (Content-MD5, body) -> ETag
/// GET    /bucket/key?uploadId=U                   -> <ListPartsResult><Part>…  (pages: part-number-marker)
/// POST   /bucket/key?uploadId=U                   <CompleteMultipartUpload><Part>… -> <CompleteMultipartUploadResult>
/// DELETE /bucket/key?uploadId=U                   (abort)
/// GET    /bucket?uploads&prefix=key               -> <ListMultipartUploadsResult><Upload>…
/// PUT    /bucket/key                              (Content-MD5, body: a small object whole)
/// ```
extension S3Client {
    /// The most pages a listing reads (1 000 entries each; S3 allows 10 000 parts).
    public static let maxListPages = 11

    /// Opens a multipart upload of `key`; its upload id.
    public func createMultipartUpload(key: String, sent: @Sendable (Int, Bool) -> Void = { _, _ in }) async throws -> String {
        let answer = try await perform(S3Request("POST", key: key, query: [("uploads", "")],
                                                 headers: [("content-type", "application/octet-stream")]), sent: sent)
        guard let id = try S3XML.parse(answer.body).value("UploadId"), !id.isEmpty else {
            throw PrecisError(.protocol, "the inbox opened an upload of \(key) without an UploadId")
        }
        return id
    }

    /// Sends part `number` of upload `uploadID`; its ETag. The server checks the body against
    /// Content-MD5 and the signed SHA-256.
    public func uploadPart(key: String, uploadID: String, number: Int, body: [UInt8],
                           sent: @Sendable (Int, Bool) -> Void = { _, _ in }) async throws -> String {
        let answer = try await perform(S3Request("PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                                                 headers: [("content-md5", Data(Insecure.MD5.hash(data: body)).base64EncodedString())],
                                                 body: body), sent: sent)
        guard let etag = answer.headers.first(name: "ETag") else {
            throw PrecisError(.protocol, "the inbox took part \(number) of \(key) without an ETag")
        }
        return etag
    }

    /// The parts the server holds for upload `uploadID`, by number.
    public func listParts(key: String, uploadID: String) async throws -> [S3ListedPart] {
        var parts: [S3ListedPart] = []
        var marker: String?
        for _ in 0..<Self.maxListPages {
            var query = [("uploadId", uploadID)]
            if let marker { query.append(("part-number-marker", marker)) }
            let xml = try S3XML.parse(try await perform(S3Request("GET", key: key, query: query)).body)
            for part in xml.all("Part") {
                guard let number = part.value("PartNumber").flatMap(Int.init), let etag = part.value("ETag"),
                      let size = part.value("Size").flatMap(Int.init) else {
                    throw PrecisError(.protocol, "the inbox listed a part of \(key) without its number, ETag or size")
                }
                parts.append(S3ListedPart(number: number, etag: etag, size: size))
            }
            guard xml.value("IsTruncated") == "true", let next = xml.value("NextPartNumberMarker") else { return parts }
            marker = next
        }
        throw PrecisError(.protocol, "the inbox's list of parts of \(key) runs past \(Self.maxListPages) pages")
    }

    /// Joins the parts into the object; its ETag. An error document in a 200 answer (S3 may
    /// send one after it began to answer) is a failure like any other.
    public func completeMultipartUpload(key: String, uploadID: String, parts: [(number: Int, etag: String)]) async throws -> String {
        let body = "<CompleteMultipartUpload>" + parts.map {
            "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(Self.escape($0.etag))</ETag></Part>"
        }.joined() + "</CompleteMultipartUpload>"
        let answer = try await perform(S3Request("POST", key: key, query: [("uploadId", uploadID)],
                                                 headers: [("content-type", "application/xml")], body: Array(body.utf8)))
        let xml = try S3XML.parse(answer.body)
        if xml.name == "Error" { throw S3Failure.answer(status: 200, body: answer.body, retryAfter: nil) }
        return xml.value("ETag") ?? ""
    }

    /// Abandons upload `uploadID`; one the server no longer knows is gone already.
    public func abortMultipartUpload(key: String, uploadID: String) async throws {
        do {
            _ = try await perform(S3Request("DELETE", key: key, query: [("uploadId", uploadID)]))
        } catch let failure as S3Failure where failure.code == "NoSuchUpload" {}
    }

    /// The uploads the server holds open for keys starting with `prefix`.
    public func listMultipartUploads(prefix: String) async throws -> [S3OpenUpload] {
        var uploads: [S3OpenUpload] = []
        var markers: (key: String, id: String)?
        for _ in 0..<Self.maxListPages {
            var query = [("uploads", ""), ("prefix", prefix)]
            if let markers { query += [("key-marker", markers.key), ("upload-id-marker", markers.id)] }
            let xml = try S3XML.parse(try await perform(S3Request("GET", key: nil, query: query)).body)
            for upload in xml.all("Upload") {
                guard let key = upload.value("Key"), let id = upload.value("UploadId") else { continue }
                uploads.append(S3OpenUpload(key: key, uploadID: id, initiated: upload.value("Initiated") ?? ""))
            }
            guard xml.value("IsTruncated") == "true", let key = xml.value("NextKeyMarker"),
                  let id = xml.value("NextUploadIdMarker") else { return uploads }
            markers = (key, id)
        }
        throw PrecisError(.protocol, "the inbox's list of open uploads runs past \(Self.maxListPages) pages")
    }

    /// Puts a small object whole; its ETag.
    public func putObject(key: String, body: [UInt8], contentType: String,
                          sent: @Sendable (Int, Bool) -> Void = { _, _ in }) async throws -> String {
        let answer = try await perform(S3Request("PUT", key: key, headers: [
            ("content-md5", Data(Insecure.MD5.hash(data: body)).base64EncodedString()), ("content-type", contentType),
        ], body: body), sent: sent)
        return answer.headers.first(name: "ETag") ?? ""
    }

    /// The object's size and ETag, or nil when there is none.
    public func headObject(key: String) async throws -> (size: Int, etag: String)? {
        do {
            let answer = try await perform(S3Request("HEAD", key: key))
            return (Int(answer.headers.first(name: "Content-Length") ?? "") ?? -1, answer.headers.first(name: "ETag") ?? "")
        } catch let failure as S3Failure where failure.status == 404 {
            return nil
        }
    }

    /// The keys of the objects whose keys start with `prefix` (ListObjectsV2, one page of at most 1 000).
    public func listObjectKeys(prefix: String) async throws -> [String] {
        let xml = try S3XML.parse(try await perform(S3Request("GET", key: nil, query: [("list-type", "2"), ("prefix", prefix)])).body)
        return xml.all("Contents").compactMap { $0.value("Key") }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
