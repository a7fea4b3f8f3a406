import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// HTTPS to the centre with a pinned CA and a client certificate (mutual TLS). The keys are
/// made for the test with openssl and never leave its temporary folder.
@Suite(.serialized) struct TLSTests {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate, signed by the CA.
    static func makeCertificates(in folder: URL) throws {
        func openssl(_ arguments: [String]) throws {
            let run = try runProcess("/usr/bin/env", ["openssl"] + arguments)
            guard run.status == 0 else { throw PrecisError(.other, "openssl \(arguments.first ?? ""): \(run.stderr)") }
        }
        let p = { folder.appendingPathComponent($0).path }
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.pem"),
                     "-days", "2", "-subj", "/CN=Test Centre CA"])
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: p("server.ext"), atomically: true, encoding: .utf8)
        for (name, subject) in [("server", "/CN=127.0.0.1"), ("client", "/CN=test-bench")] {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("\(name).key"), "-out", p("\(name).csr"), "-subj", subject])
            try openssl(["x509", "-req", "-in", p("\(name).csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-CAcreateserial",
                         "-out", p("\(name).pem"), "-days", "2"] + (name == "server" ? ["-extfile", p("server.ext")] : []))
        }
    }

    @Test func mutualTLSWithAPinnedCADelivers() async throws {
        let folder = try TestPaths.temporaryFolder("tls")
        try Self.makeCertificates(in: folder)
        let p = { folder.appendingPathComponent($0).path }
        let centre = try TestCentre(["--tls", p("server.pem"), p("server.key"), "--client-ca", p("ca.pem")], folder: folder)
        defer { centre.stop() }
        let store = try storeWithResults(2, at: p("p.sqlite"))
        let url = "https://127.0.0.1:\(centre.port)/fhir"

        let trusted = try centreDestination(url) {
            $0.caFile = p("ca.pem")
            $0.clientCertificate = p("client.pem")
            $0.clientKey = p("client.key")
        }
        #expect(try await Uploader(store: store, destinations: [trusted], owner: "1@test").runOnce(limit: 1).delivered == 1)
        await trusted.shutdown()

        let noClientCertificate = try centreDestination(url) { $0.caFile = p("ca.pem") }
        let refused = try await Uploader(store: store, destinations: [noClientCertificate], owner: "2@test").runOnce()
        #expect(refused.delivered == 0 && refused.retrying == 1)
        await noClientCertificate.shutdown()

        let systemTrust = try centreDestination(url) {
            $0.clientCertificate = p("client.pem")
            $0.clientKey = p("client.key")
        }
        let clock = Date().addingTimeInterval(3600)
        let untrusted = try await Uploader(store: store, destinations: [systemTrust], owner: "3@test", clock: { clock }).runOnce()
        #expect(untrusted.delivered == 0)   // the centre's certificate is not from a CA the system trusts
        await systemTrust.shutdown()
        #expect(try centre.stats().observations.rows == 1)
    }

    @Test func missingTLSFilesAreAClearError() {
        #expect { try centreDestination("https://127.0.0.1:1/fhir") { $0.caFile = "/nonexistent/ca.pem" } } throws: { error in
            (error as? PrecisError)?.message.contains("cannot load the TLS files") == true
        }
    }
}
