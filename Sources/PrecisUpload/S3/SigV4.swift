import Crypto
import Foundation

/// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv4.html),
/// as a pure function of the request, the credentials and the time: no I/O, no clock.
///
/// ```
/// canonical request = method \n path \n query \n headers \n signed header names \n payload hash
/// string to sign    = AWS4-HMAC-SHA256 \n yyyyMMddTHHmmssZ \n date/region/service/aws4_request \n hex(SHA-256(canonical request))
/// signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
/// signature         = hex(HMAC(signing key, string to sign))
/// ```
/// The path is given as it reads (not percent-encoded) and each segment is encoded once,
/// as S3 wants; query names and values likewise.
public enum SigV4 {
    /// What `x-amz-content-sha256` says of a body that is not hashed (S3 over TLS).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The SHA-256 of no bytes, the payload hash of a request without a body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// An access key, its secret and, for temporary credentials, the session token.
    public struct Credentials: Sendable, Equatable {
        /// The access key id (`AKIA…`).
        public var accessKeyID: String
        /// The secret access key.
        public var secretAccessKey: String
        /// The session token of temporary credentials, sent as `x-amz-security-token`.
        public var sessionToken: String?

        /// Credentials from their parts.
        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    /// A request to sign: the headers must include `host`.
    public struct Request: Sendable, Equatable {
        /// `GET`, `PUT`, `POST`, …
        public var method: String
        /// The path as it reads, `/bucket/reads 1.fastq.c4gh` (encoded when signed and sent).
        public var path: String
        /// The query's names and values as they read, in any order.
        public var query: [(name: String, value: String)]
        /// The headers to sign, names in any case, repeated names allowed.
        public var headers: [(name: String, value: String)]
        /// Lower-case hex SHA-256 of the body, or `unsignedPayload`.
        public var payloadHash: String

        /// A request from its parts.
        public init(method: String, path: String, query: [(name: String, value: String)] = [],
                    headers: [(name: String, value: String)], payloadHash: String = SigV4.emptyPayloadHash) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }

        public static func == (a: Request, b: Request) -> Bool {
            a.method == b.method && a.path == b.path && a.payloadHash == b.payloadHash
                && a.query.elementsEqual(b.query, by: ==) && a.headers.elementsEqual(b.headers, by: ==)
        }
    }

    /// Where and when a signature is valid: the credential scope and the request's time.
    public struct Scope: Sendable, Equatable {
        /// `us-east-1`, …
        public var region: String
        /// `s3`, …
        public var service: String
        /// The request's time (`x-amz-date`).
        public var date: Date

        /// A scope from its parts.
        public init(region: String, service: String, date: Date) {
            self.region = region
            self.service = service
            self.date = date
        }

        /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
        public var timestamp: String { SigV4.format(date, "yyyyMMdd'T'HHmmss'Z'") }
        /// `date/region/service/aws4_request`.
        public var credentialScope: String { "\(SigV4.format(date, "yyyyMMdd"))/\(region)/\(service)/aws4_request" }
    }

    /// The headers `sign` adds: `x-amz-date`, `x-amz-security-token` (with a session token)
    /// and `x-amz-content-sha256` (when `contentHashHeader`), then `authorization`.
    public static func sign(_ request: Request, credentials: Credentials, scope: Scope,
                            contentHashHeader: Bool = true) -> [(name: String, value: String)] {
        var added: [(name: String, value: String)] = [("x-amz-date", scope.timestamp)]
        if contentHashHeader { added.append(("x-amz-content-sha256", request.payloadHash)) }
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        var signed = request
        signed.headers += added
        let canonical = canonicalRequest(signed)
        let signature = self.signature(stringToSign: stringToSign(canonicalRequest: canonical, scope: scope),
                                       secretAccessKey: credentials.secretAccessKey, scope: scope)
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope.credentialScope), "
            + "SignedHeaders=\(signedHeaders(signed.headers)), Signature=\(signature)"
        return added + [("authorization", authorization)]
    }

    /// The canonical request (the first of the four steps).
    public static func canonicalRequest(_ request: Request) -> String {
        let path = request.path.split(separator: "/", omittingEmptySubsequences: false)
            .map { encode(String($0)) }.joined(separator: "/")
        let encoded: [(name: String, value: String)] = request.query.map { (encode($0.name), encode($0.value)) }
        let sorted = encoded.sorted { (a, b) -> Bool in a.name != b.name ? a.name < b.name : a.value < b.value }
        let query = sorted.map { (pair) -> String in pair.name + "=" + pair.value }.joined(separator: "&")
        let headers = canonicalHeaders(request.headers).map { (h) -> String in h.name + ":" + h.value + "\n" }.joined()
        return [request.method, path.isEmpty ? "/" : path, query, headers, signedHeaders(request.headers),
                request.payloadHash].joined(separator: "\n")
    }

    /// The string to sign: the algorithm, the time, the scope and the canonical request's hash.
    public static func stringToSign(canonicalRequest: String, scope: Scope) -> String {
        "AWS4-HMAC-SHA256\n\(scope.timestamp)\n\(scope.credentialScope)\n\(hex(SHA256.hash(data: Data(canonicalRequest.utf8))))"
    }

    /// The signing key: the secret through HMAC-SHA256 with the date, region, service and `aws4_request`.
    public static func signingKey(secretAccessKey: String, scope: Scope) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [format(scope.date, "yyyyMMdd"), scope.region, scope.service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// The signature: hex HMAC-SHA256 of the string to sign under the signing key.
    public static func signature(stringToSign: String, secretAccessKey: String, scope: Scope) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8),
                                             using: signingKey(secretAccessKey: secretAccessKey, scope: scope)))
    }

    /// Header names in lower case, sorted, each once: values trimmed, runs of spaces made one,
    /// a repeated name's values joined by commas in their order.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let squeezed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            values[name.lowercased(), default: []].append(squeezed.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return values.keys.sorted().map { ($0, values[$0]!.joined(separator: ",")) }
    }

    static func signedHeaders(_ headers: [(name: String, value: String)]) -> String {
        canonicalHeaders(headers).map(\.name).joined(separator: ";")
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, in upper-case hex.
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
