import Foundation
import PrecisCore

/// An S3 error answer, named by its `Code` (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html),
/// with what Precis does about it: its kind in the project's vocabulary, and whether trying
/// again can help.
public struct S3Failure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (0 when there was no answer).
    public var status: Int
    /// S3's `Code`: `SlowDown`, `NoSuchUpload`, … (`NoAnswer` when none came).
    public var code: String
    /// S3's `Message`, or what went wrong.
    public var message: String
    /// The seconds the server asked to wait (Retry-After).
    public var retryAfter: TimeInterval?

    /// Makes a failure.
    public init(status: Int, code: String, message: String, retryAfter: TimeInterval? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Codes that name a passing condition at the server or on the way: sent again.
    static let transientCodes: Set = [
        "InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed", "ExpiredToken",
        "BadDigest", "IncompleteBody", "OperationAborted", "NoAnswer", "TooManyRequests", "XAmzContentSHA256Mismatch",
    ]
    /// Codes and the kind each is in the project's vocabulary.
    static let kinds: [String: ErrorKind] = [
        "AccessDenied": .permission, "InvalidAccessKeyId": .permission, "SignatureDoesNotMatch": .permission,
        "ExpiredToken": .permission, "AllAccessDisabled": .permission, "InvalidToken": .permission,
        "NoSuchBucket": .notFound, "NoSuchKey": .notFound, "NoSuchUpload": .notFound,
        "SlowDown": .busy, "ServiceUnavailable": .busy, "TooManyRequests": .busy, "OperationAborted": .busy,
        "RequestTimeout": .timeout, "NoAnswer": .disconnected,
        "BadDigest": .protocol, "InvalidDigest": .protocol, "IncompleteBody": .protocol, "MalformedXML": .protocol,
        "XAmzContentSHA256Mismatch": .protocol, "InvalidPart": .conflict, "InvalidPartOrder": .conflict,
        "EntityTooSmall": .input, "EntityTooLarge": .input, "InvalidArgument": .input, "InvalidBucketName": .input,
        "KeyTooLongError": .input, "RequestTimeTooSkewed": .conflict,
    ]

    /// Its kind: by code, else by status (5xx other).
    public var kind: ErrorKind {
        if let kind = Self.kinds[code] { return kind }
        switch status {
        case 429, 503: return .busy
        case 408: return .timeout
        case 401, 403: return .permission
        case 404: return .notFound
        default: return .other
        }
    }

    /// Whether sending the same request again may succeed: the transient codes, any 5xx, 408 and 429.
    public var isTransient: Bool {
        Self.transientCodes.contains(code) || status >= 500 || status == 408 || status == 429
    }

    /// The outbox's judgement: try later, or refuse for good.
    public var delivery: DeliveryFailure {
        isTransient ? .transient(description, retryAfter: retryAfter) : .permanent(description)
    }

    /// `503 SlowDown: Please reduce your request rate.`
    public var description: String {
        status == 0 ? "no answer from the inbox: \(message)" : "\(status) \(code): \(message)"
    }

    /// The failure an error answer states: its XML's Code and Message when it reads, else its
    /// status alone (a HEAD's answer has no body; a proxy's may be anything).
    public static func answer(status: Int, body: [UInt8], retryAfter: String?, now: Date = Date()) -> S3Failure {
        let wait = RetryAfter.seconds(retryAfter, now: now)
        if let xml = try? S3XML.parse(body), xml.name == "Error", let code = xml.value("Code"), !code.isEmpty {
            return S3Failure(status: status, code: code, message: String((xml.value("Message") ?? "").prefix(300)), retryAfter: wait)
        }
        let code = status == 429 ? "TooManyRequests" : status == 503 ? "ServiceUnavailable" : status >= 500 ? "InternalError" : "HTTP\(status)"
        return S3Failure(status: status, code: code, message: "an answer without an S3 error document", retryAfter: wait)
    }
}
