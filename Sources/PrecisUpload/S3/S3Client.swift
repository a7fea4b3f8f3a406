import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import PrecisCore
import PrecisFormats

/// One request to the inbox: the object (nil: the bucket), the query, headers and body.
public struct S3Request: Sendable {
    /// `GET`, `PUT`, `POST`, `DELETE`, `HEAD`.
    public var method: String
    /// The object's key, nil for the bucket itself.
    public var key: String?
    /// Query names and values as they read.
    public var query: [(name: String, value: String)]
    /// Headers beyond those signing adds.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]

    /// Makes a request.
    public init(_ method: String, key: String?, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.key = key
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// The inbox's answer to a request that succeeded (2xx).
public struct S3Answer: Sendable {
    /// The status.
    public var status: Int
    /// The headers.
    public var headers: HTTPHeaders
    /// The body (at most `S3XML.maxBytes`).
    public var body: [UInt8]
}

/// How often and how soon a failed request is sent again within one delivery, before the
/// outbox's own backoff takes over.
public struct S3RetryPolicy: Sendable {
    /// Tries of one request, the first included.
    public var attempts = 4
    /// The first wait, s; doubled each time up to `cap`, with jitter.
    public var base = 0.25
    /// The longest wait, s.
    public var cap = 4.0
    /// A Retry-After longer than this is left to the outbox's backoff, s.
    public var longestWait = 30.0

    /// The default policy.
    public init() {}

    /// The wait after failed try `attempt` (1-based): at least what the server asked.
    func delay(after attempt: Int, retryAfter: TimeInterval?) -> TimeInterval {
        max(min(cap, base * pow(2, Double(attempt - 1))) * Double.random(in: 0.5..<1), retryAfter ?? 0)
    }
}

/// A client for the S3 API over async-http-client, each request signed with SigV4 (path-style
/// URLs), sent again on transient failures with backoff (Retry-After honoured), every error
/// answer read into an `S3Failure` named by its S3 code.
public final class S3Client: @unchecked Sendable {
    /// The inbox it talks to.
    public let configuration: S3InboxConfiguration
    let owner: HTTPClientOwner
    var client: HTTPClient { owner.client }
    let credentials: @Sendable () throws -> SigV4.Credentials
    let clock: @Sendable () -> Date
    /// Retries within a delivery.
    public let retry: S3RetryPolicy

    /// A client for `configuration`, trusting its `caFile` when given; `credentials` is asked
    /// before each request (a token file renewed on disk is taken up).
    public init(configuration: S3InboxConfiguration, credentials: @escaping @Sendable () throws -> SigV4.Credentials,
                retry: S3RetryPolicy = S3RetryPolicy(), clock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.configuration = configuration
        self.credentials = credentials
        self.retry = retry
        self.clock = clock
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = configuration.caFile {
            do { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) } catch {
                throw PrecisError(.input, "cannot load the inbox's caFile \(ca): \(error)")
            }
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        config.timeout = .init(connect: .seconds(10), read: .milliseconds(Int64(configuration.timeout * 1000)))
        owner = HTTPClientOwner(HTTPClient(eventLoopGroupProvider: .singleton, configuration: config))
    }

    /// The request's path, `/bucket/key`, as it reads.
    func path(_ key: String?) -> String { "/\(configuration.bucket)" + (key.map { "/\($0)" } ?? "") }

    /// Sends `request` once; a non-2xx answer or none is thrown as an `S3Failure`.
    public func send(_ request: S3Request) async throws -> S3Answer {
        let endpoint = URL(string: configuration.endpoint)!
        let host = endpoint.port.map { "\(endpoint.host!):\($0)" } ?? endpoint.host!
        let payloadHash = InboxFile.hex(SHA256.hash(data: request.body))
        let unsigned = SigV4.Request(method: request.method, path: path(request.key), query: request.query,
                                     headers: [("host", host)] + request.headers, payloadHash: payloadHash)
        let signed = SigV4.sign(unsigned, credentials: try credentials(),
                                scope: .init(region: configuration.signingRegion, service: "s3", date: clock()))
        var http = HTTPClientRequest(url: url(endpoint, request))
        http.method = HTTPMethod(rawValue: request.method)
        for (name, value) in unsigned.headers + signed { http.headers.add(name: name, value: value) }
        if !request.body.isEmpty || ["PUT", "POST"].contains(request.method) {
            http.headers.replaceOrAdd(name: "content-length", value: String(request.body.count))
            http.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let response: HTTPClientResponse
        let body: [UInt8]
        do {
            response = try await client.execute(http, timeout: .milliseconds(Int64(configuration.timeout * 1000)))
            body = Array(buffer: try await response.body.collect(upTo: S3XML.maxBytes))
        } catch {
            throw S3Failure(status: 0, code: "NoAnswer", message: FHIRDestination.describe(error))
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            throw S3Failure.answer(status: status, body: body, retryAfter: response.headers.first(name: "Retry-After"), now: clock())
        }
        return S3Answer(status: status, headers: response.headers, body: body)
    }

    /// The URL: the endpoint, the path with each segment encoded as signed, and the query (a
    /// name with no value written bare, `?uploads`, as S3's own clients do).
    func url(_ endpoint: URL, _ request: S3Request) -> String {
        let path = path(request.key).split(separator: "/", omittingEmptySubsequences: false)
            .map { SigV4.encode(String($0)) }.joined(separator: "/")
        let query = request.query.map { $0.value.isEmpty ? SigV4.encode($0.name) : "\(SigV4.encode($0.name))=\(SigV4.encode($0.value))" }
        let base = configuration.endpoint.hasSuffix("/") ? String(configuration.endpoint.dropLast()) : configuration.endpoint
        return base + path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    /// Sends `request` until it succeeds, a failure is not transient, or `retry.attempts` are
    /// used; `sent` hears each try's body bytes and whether it was a retry.
    public func perform(_ request: S3Request, sent: @Sendable (Int, Bool) -> Void = { _, _ in }) async throws -> S3Answer {
        var attempt = 1
        while true {
            do {
                let answer = try await send(request)
                sent(request.body.count, attempt > 1)
                return answer
            } catch let failure as S3Failure {
                sent(request.body.count, attempt > 1)
                let wait = retry.delay(after: attempt, retryAfter: failure.retryAfter)
                guard failure.isTransient, attempt < retry.attempts, wait <= retry.longestWait else { throw failure }
                try await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
                attempt += 1
            }
        }
    }

    /// Closes the HTTP client.
    public func shutdown() async { await owner.shutdown() }
}
