import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import PrecisCore
import PrecisFormats
import PrecisStore

/// Delivers FHIR transaction Bundles to the centre over HTTPS with async-http-client.
public final class FHIRDestination: Destination, @unchecked Sendable {
    /// `centre`.
    public let name: String
    /// As configured; production unless `"production": false`.
    public var production: Bool { configuration.production ?? true }
    let configuration: FHIRServerConfiguration
    let sender: Sender
    let owner: HTTPClientOwner
    var client: HTTPClient { owner.client }
    let tokens: OAuth2Tokens?
    let logger: Logger

    /// Sets up the HTTP client with the TLS and credentials of `configuration`.
    public init(name: String = "centre", configuration: FHIRServerConfiguration, sender: Sender,
                logger: Logger = Logger(label: "precis.upload")) throws {
        self.name = name
        self.configuration = configuration
        self.sender = sender
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = configuration.caFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
            if let certificate = configuration.clientCertificate, let key = configuration.clientKey {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        } catch {
            throw PrecisError(.input, "cannot load the TLS files for \(name): \(error)", hint: "check caFile, clientCertificate, clientKey")
        }
        var config = HTTPClient.Configuration(tlsConfiguration: tls)
        let timeout = configuration.timeoutSeconds ?? 30
        config.timeout = .init(connect: .seconds(10), read: .milliseconds(Int64(timeout * 1000)))
        owner = HTTPClientOwner(HTTPClient(eventLoopGroupProvider: .singleton, configuration: config))
        if let tokenURL = configuration.tokenURL, let id = configuration.clientID, let secretFile = configuration.clientSecretFile {
            guard let secret = try? BoundedFile.text(URL(fileURLWithPath: secretFile), limit: 64 << 10, what: "secret") else {
                // The owner closes the client as it goes.
                throw PrecisError(.input, "cannot read the OAuth2 client secret file \(secretFile)")
            }
            tokens = OAuth2Tokens(client: owner.client, tokenURL: tokenURL, clientID: id,
                                  secret: secret.trimmingCharacters(in: .whitespacesAndNewlines), scope: configuration.scope)
        } else {
            tokens = nil
        }
    }

    /// The Bundle's bytes.
    public func payload(_ package: ResultPackage) throws -> Data {
        try FHIRMapping.bundle(package, sender: sender).data()
    }

    /// POSTs the Bundle; a 401 fetches a new token once.
    public func deliver(_ package: ResultPackage) async throws -> String {
        let body = try payload(package)
        do {
            return try await post(body, token: try await tokens?.token())
        } catch DeliveryFailure.transient(let why, _) where why.hasPrefix("401") && tokens != nil {
            await tokens?.invalidate()
            return try await post(body, token: try await tokens?.token())
        }
    }

    private func post(_ body: Data, token: String?) async throws -> String {
        var request = HTTPClientRequest(url: configuration.baseURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/fhir+json")
        request.headers.add(name: "Accept", value: "application/fhir+json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if configuration.gzip ?? true {
            request.headers.add(name: "Content-Encoding", value: "gzip")
            request.body = .bytes(ByteBuffer(bytes: try Gzip.compress(body)))
        } else {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let text: String
        do {
            // In milliseconds: `.seconds(Int64(0.9))` would be a deadline of zero.
            response = try await client.execute(request, timeout: .milliseconds(Int64((configuration.timeoutSeconds ?? 30) * 1000)))
            text = String(buffer: try await response.body.collect(upTo: FHIRResponse.maxBodyBytes))
        } catch {
            throw DeliveryFailure.transient("no answer from \(configuration.baseURL): \(Self.describe(error))", retryAfter: nil)
        }
        return try FHIRResponse.judge(status: Int(response.status.code), body: text,
                                      retryAfter: response.headers.first(name: "Retry-After"))
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError { return "\(e)" }
        return String(describing: error)
    }

    /// Closes the HTTP client.
    public func shutdown() async { await owner.shutdown() }
}

/// An HTTP client closed exactly once: by `shutdown`, or, for an owner dropped without it (an
/// error path), when it goes.
final class HTTPClientOwner: @unchecked Sendable {
    /// The client.
    let client: HTTPClient
    private let closed = ManagedAtomicFlag()

    /// Owns `client`.
    init(_ client: HTTPClient) { self.client = client }

    /// Closes the client, once.
    func shutdown() async {
        guard closed.setOnce() else { return }
        try? await client.shutdown()
    }

    deinit {
        if closed.setOnce() { try? client.syncShutdown() }
    }
}

/// A flag set once, thread-safely.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false

    /// Sets the flag; true only for the first caller.
    func setOnce() -> Bool {
        lock.withLock {
            defer { set = true }
            return !set
        }
    }
}
