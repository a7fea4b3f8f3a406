import Crypto
import Foundation
import PrecisUpload
import Testing

/// The cases of AWS's Signature Version 4 test suite vendored in Fixtures/sigv4 (README there).
private let suiteCases = [
    "get-vanilla", "get-vanilla-query-order-key-case", "get-vanilla-query-unreserved", "get-vanilla-utf8-query",
    "get-vanilla-empty-query-key", "get-utf8", "get-space-unnormalized", "get-header-value-trim",
    "get-header-key-duplicate", "get-vanilla-with-session-token", "post-vanilla", "post-vanilla-query",
    "post-header-key-sort", "post-x-www-form-urlencoded",
]

private func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

private func utcDate(_ timestamp: String) throws -> Date {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
    return try #require(formatter.date(from: timestamp))
}

/// One case of the suite: its request as `SigV4.Request`, its context and expected outputs.
private struct SuiteCase {
    let request: SigV4.Request
    let credentials: SigV4.Credentials
    let scope: SigV4.Scope
    let signBody: Bool
    let canonicalRequest: String, stringToSign: String, signature: String

    init(_ name: String) throws {
        let folder = Repo.fixture("sigv4/\(name)")
        func text(_ file: String) throws -> String { try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) }
        let context = try #require(try JSONSerialization.jsonObject(with: Data(text("context.json").utf8)) as? [String: Any])
        let keys = try #require(context["credentials"] as? [String: String])
        credentials = SigV4.Credentials(accessKeyID: keys["access_key_id"]!, secretAccessKey: keys["secret_access_key"]!,
                                        sessionToken: keys["token"])
        let iso = ISO8601DateFormatter()
        scope = SigV4.Scope(region: context["region"] as! String, service: context["service"] as! String,
                            date: try #require(iso.date(from: context["timestamp"] as! String)))
        signBody = context["sign_body"] as? Bool ?? false
        // request.txt: "METHOD target HTTP/1.1", "Name:value" lines, a blank line, the body
        let raw = try text("request.txt")
        let (head, body) = raw.range(of: "\n\n").map { (String(raw[..<$0.lowerBound]), String(raw[$0.upperBound...])) } ?? (raw, "")
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = lines.removeFirst().split(separator: " ")
        let target = start.dropFirst().dropLast().joined(separator: " ")
        let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) }
            ?? (target, "")
        let pairs = query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (name: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
        }
        let headers = lines.filter { !$0.isEmpty }.map { line in
            let colon = line.firstIndex(of: ":")!
            return (name: String(line[..<colon]), value: String(line[line.index(after: colon)...]))
        }
        request = SigV4.Request(method: String(start[0]), path: path, query: pairs, headers: headers,
                                payloadHash: hex(SHA256.hash(data: Data(body.utf8))))
        canonicalRequest = try text("header-canonical-request.txt")
        stringToSign = try text("header-string-to-sign.txt")
        signature = try text("header-signature.txt").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite struct SigV4ConformanceTests {
    /// Each step of the suite's case, to the byte: the canonical request (with the headers
    /// the signer adds), the string to sign, the signature and the Authorization header.
    @Test(arguments: suiteCases)
    func matchesAWSsTestSuite(_ name: String) throws {
        let c = try SuiteCase(name)
        let added = SigV4.sign(c.request, credentials: c.credentials, scope: c.scope, contentHashHeader: c.signBody)
        var signed = c.request
        signed.headers += added.filter { $0.name != "authorization" }
        #expect(SigV4.canonicalRequest(signed) == c.canonicalRequest)
        #expect(SigV4.stringToSign(canonicalRequest: c.canonicalRequest, scope: c.scope) == c.stringToSign)
        #expect(SigV4.signature(stringToSign: c.stringToSign, secretAccessKey: c.credentials.secretAccessKey, scope: c.scope)
                == c.signature)
        let authorization = try #require(added.last)
        #expect(authorization.name == "authorization")
        #expect(authorization.value.hasSuffix("Signature=\(c.signature)"))
        #expect(authorization.value.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders="))
    }

    /// The S3 API Reference's own worked example (GET Object with a Range, x-amz-content-sha256 of no body).
    @Test func matchesTheS3ReferencesGetObjectExample() throws {
        let data = try Data(contentsOf: Repo.fixture("sigv4/s3-get-object.json"))
        let e = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let headers = (e["headers"] as! [[String]]).map { (name: $0[0], value: $0[1]) }
        let request = SigV4.Request(method: e["method"] as! String, path: e["path"] as! String, headers: headers,
                                    payloadHash: e["payload_hash"] as! String)
        let scope = SigV4.Scope(region: e["region"] as! String, service: "s3", date: try utcDate(e["timestamp"] as! String))
        let added = SigV4.sign(request, credentials: .init(accessKeyID: e["access_key"] as! String, secretAccessKey: e["secret_key"] as! String),
                               scope: scope)
        var signed = request
        signed.headers += added.dropLast()
        let canonical = SigV4.canonicalRequest(signed)
        #expect(hex(SHA256.hash(data: Data(canonical.utf8))) == e["canonical_request_sha256"] as! String)
        #expect(added.last?.value == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=\(e["signature"] as! String)")
    }

    /// S3 requests as Precis will send them (an UploadPart with a space in the key and an
    /// encoded upload id; unsigned and hashed payloads; a session token) signed the same as
    /// botocore (AWS's Python SDK core) signs them.
    @Test(arguments: [(true, nil), (false, nil), (true, "FQoGZXIvYXdzEXAMPLE/token+=")] as [(Bool, String?)])
    func signsS3RequestsAsBotocoreDoes(_ unsigned: Bool, _ token: String?) throws {
        let body = "a part of the encrypted reads"
        let date = try utcDate("20261204T205500Z")
        let credentials = SigV4.Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                            sessionToken: token)
        let request = SigV4.Request(
            method: "PUT", path: "/inbox/run 1/reads.fastq.c4gh",
            query: [("uploadId", "abc/def=="), ("partNumber", "2")],
            headers: [("Host", "127.0.0.1:9000"), ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")],
            payloadHash: unsigned ? SigV4.unsignedPayload : hex(SHA256.hash(data: Data(body.utf8))))
        let ours = SigV4.sign(request, credentials: credentials, scope: .init(region: "eu-north-1", service: "s3", date: date))
        let spec: [String: Any] = [
            "method": "PUT", "url": "https://127.0.0.1:9000/inbox/run%201/reads.fastq.c4gh?partNumber=2&uploadId=abc%2Fdef%3D%3D",
            "headers": [["Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="]], "body": body, "timestamp": "20261204T205500Z",
            "region": "eu-north-1", "access_key": credentials.accessKeyID, "secret_key": credentials.secretAccessKey,
            "token": token ?? NSNull(), "unsigned": unsigned,
        ]
        let out = try runReference("sigv4_reference.py", input: try JSONSerialization.data(withJSONObject: spec))
        let theirs = try #require(try JSONSerialization.jsonObject(with: out) as? [String: Any])
        let headers = try #require(theirs["headers"] as? [String: String])
        var signed = request
        signed.headers += ours.dropLast()
        #expect(SigV4.canonicalRequest(signed) == theirs["canonical_request"] as? String)
        for (name, value) in ours { #expect(headers[name] == value, "\(name)") }
        #expect(headers["x-amz-content-sha256"] == (unsigned ? "UNSIGNED-PAYLOAD" : hex(SHA256.hash(data: Data(body.utf8)))))
    }
}
