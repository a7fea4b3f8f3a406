import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// Certificates made at test time with the openssl command line (never committed): a CA, a
/// server certificate for 127.0.0.1 signed by it, a client certificate signed by it, and a
/// second CA that signed nothing here.
struct TestCertificates {
    let folder: URL
    var ca: String { folder.appendingPathComponent("ca.pem").path }
    var otherCA: String { folder.appendingPathComponent("other-ca.pem").path }
    var server: (certificate: String, key: String) { (path("server.pem"), path("server.key")) }
    var client: (certificate: String, key: String) { (path("client.pem"), path("client.key")) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    init() throws {
        folder = try TestPaths.temporaryFolder("tls")
        try makeCA("ca", "Precis Test CA")
        try makeCA("other-ca", "Some Other CA")
        try makeLeaf("server", subject: "127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        try makeLeaf("client", subject: "ward7-bench2", extensions: "extendedKeyUsage=clientAuth\n")
    }

    private func openssl(_ arguments: [String]) throws {
        let run = try runProcess("/usr/bin/env", ["openssl"] + arguments)
        guard run.status == 0 else { throw PrecisError(.other, "openssl \(arguments.first ?? ""): \(run.stderr)") }
    }

    private func makeCA(_ name: String, _ subject: String) throws {
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", path("\(name).key"), "-out", path("\(name).pem"), "-days", "2", "-subj", "/CN=\(subject)",
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    }

    private func makeLeaf(_ name: String, subject: String, extensions: String) throws {
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(subject)"])
        try openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", ca, "-CAkey", path("ca.key"), "-CAcreateserial",
                     "-out", path("\(name).pem"), "-days", "2", "-extfile", path("\(name).ext")])
    }
}

/// HTTPS to the centre: its CA pinned or refused, and mutual TLS with a client certificate.
@Suite(.serialized) struct TLSTests {
    /// Sends the store's first result once; the failure, or nil when delivered.
    func attempt(_ destination: FHIRDestination, _ store: Store) async throws -> DeliveryFailure? {
        let package = try store.package(for: try store.outbox()[0])
        var failure: DeliveryFailure?
        do { _ = try await destination.deliver(package) } catch let refused as DeliveryFailure { failure = refused }
        await destination.shutdown()
        return failure
    }

    @Test func thePinnedCAIsTrustedAndNoOtherIs() async throws {
        let certificates = try TestCertificates()
        let folder = try TestPaths.temporaryFolder("tls-centre")
        let centre = try TestCentre(["--tls", certificates.server.certificate, certificates.server.key], folder: folder)
        defer { centre.stop() }
        let url = "https://127.0.0.1:\(centre.port)/fhir"
        let store = try storeWithResults(1, at: folder.appendingPathComponent("p.sqlite").path)

        // A refused handshake is retried by the HTTP client until the request's deadline: keep it short.
        let system = try await attempt(try centreDestination(url) { $0.timeoutSeconds = 1 }, store)   // the system's trust store
        let other = try await attempt(try centreDestination(url) { $0.caFile = certificates.otherCA; $0.timeoutSeconds = 1 }, store)
        for failure in [system, other] {
            guard case .transient(let why, _)? = failure else { Issue.record("expected a refused handshake, got \(String(describing: failure))"); continue }
            #expect(why.hasPrefix("no answer from \(url)"))
            #expect(why.localizedCaseInsensitiveContains("certificate") || why.localizedCaseInsensitiveContains("handshake"), "\(why)")
        }
        #expect(try centre.stats().observations.rows == 0)

        let pinned = try await attempt(try centreDestination(url) { $0.caFile = certificates.ca }, store)
        #expect(pinned == nil)
        #expect(try centre.stats().observations.rows == 1)
    }

    @Test func mutualTLSNeedsTheClientCertificate() async throws {
        let certificates = try TestCertificates()
        let folder = try TestPaths.temporaryFolder("mtls-centre")
        let centre = try TestCentre(["--tls", certificates.server.certificate, certificates.server.key, "--client-ca", certificates.ca],
                                    folder: folder)
        defer { centre.stop() }
        let url = "https://127.0.0.1:\(centre.port)/fhir"
        let store = try storeWithResults(1, at: folder.appendingPathComponent("p.sqlite").path)

        let anonymous = try await attempt(try centreDestination(url) { $0.caFile = certificates.ca; $0.timeoutSeconds = 1 }, store)
        guard case .transient? = anonymous else { Issue.record("a client without a certificate got through"); return }
        #expect(try centre.stats().observations.rows == 0)

        let identified = try await attempt(try centreDestination(url) {
            $0.caFile = certificates.ca
            $0.clientCertificate = certificates.client.certificate
            $0.clientKey = certificates.client.key
        }, store)
        #expect(identified == nil)
        #expect(try centre.stats().observations.rows == 1)
    }

    @Test func missingTLSFilesAreAConfigurationError() throws {
        #expect { _ = try centreDestination("https://127.0.0.1:1/fhir") { $0.caFile = "/nonexistent/ca.pem" } } throws: { error in
            (error as? PrecisError)?.kind == .input && (error as? PrecisError)?.message.contains("TLS files") == true
        }
    }
}
