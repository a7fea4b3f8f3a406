import Foundation
import PrecisCore

/// The test inbox (Tests/PrecisUploadTests/centre/test_inbox.py: moto's S3 server behind a
/// fault proxy) as a child process on loopback ports, with the Python of `.venv`
/// (`$PRECIS_PYTHON`, else `.venv/bin/python3`; `make venv` installs moto[server] there).
public final class TestInbox: @unchecked Sendable {
    let process = Process()
    /// The proxy's port (what Precis is configured with).
    public let port: Int
    /// moto's own port, behind the proxy (for a benchmark that wants no proxy in the way).
    public let motoPort: Int
    /// The bucket.
    public let bucket: String

    /// The Python of the project's virtual environment; missing is an error, never a skip.
    public static func python() throws -> String {
        let python = ProcessInfo.processInfo.environment["PRECIS_PYTHON"]
            ?? TestPaths.root.appendingPathComponent(".venv/bin/python3").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw PrecisError(.other, "no Python at \(python): run `make venv` (make test does)")
        }
        return python
    }

    /// Starts moto and the proxy with `arguments` (`--fail-ratio`, `--faults`, `--seed`,
    /// `--slow-seconds`); returns once both listen and the bucket exists.
    public init(bucket: String = "inbox", _ arguments: [String] = []) throws {
        self.bucket = bucket
        process.executableURL = URL(fileURLWithPath: try Self.python())
        process.arguments = [TestPaths.root.appendingPathComponent("Tests/PrecisUploadTests/centre/test_inbox.py").path,
                             "--bucket", bucket] + arguments
        let ports = try startAndReadFirstLine(process, what: "the test inbox")
        guard let port = ports["port"] as? Int, let moto = ports["moto"] as? Int else {
            throw PrecisError(.other, "the test inbox named no ports: \(ports)")
        }
        (self.port, motoPort) = (port, moto)
    }

    /// The endpoint Precis is configured with.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// GETs one of the proxy's own answers (`/_inbox/...`), never failed.
    public func control(_ path: String) throws -> Any {
        let url = URL(string: "\(endpoint)\(path)")!
        let result = try runProcess("/usr/bin/env", ["curl", "-sS", "--max-time", "600", url.absoluteString])
        guard result.status == 0 else { throw PrecisError(.other, "the test inbox did not answer \(path): \(result.stderr)") }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// The objects in the bucket: key and size.
    public func objects() throws -> [(key: String, size: Int)] {
        ((try control("/_inbox/objects") as? [[String: Any]]) ?? []).map { ($0["key"] as? String ?? "", $0["size"] as? Int ?? -1) }
    }

    /// Multipart uploads still open.
    public func openUploads() throws -> Int { ((try control("/_inbox/uploads") as? [Any]) ?? []).count }

    /// Requests, failed ones, and request body bytes the proxy received.
    public func stats() throws -> (requests: Int, failed: Int, bodyBytes: Int) {
        let s = (try control("/_inbox/stats") as? [String: Any]) ?? [:]
        return (s["requests"] as? Int ?? 0, s["failed"] as? Int ?? 0, s["bodyBytes"] as? Int ?? 0)
    }

    /// The object `key` decrypted by the crypt4gh package (PyPI) with `secretKey`: size and SHA-256.
    public func decrypted(_ key: String, secretKey: URL) throws -> (size: Int, sha256: String) {
        let query = "key=\(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)"
            + "&seckey=\(secretKey.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        let s = (try control("/_inbox/decrypt?\(query)") as? [String: Any]) ?? [:]
        return (s["size"] as? Int ?? -1, s["sha256"] as? String ?? "")
    }

    /// The object's bytes (a small one: the manifest).
    public func object(_ key: String) throws -> Data {
        let url = "\(endpoint)/_inbox/object?key=\(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key)"
        let result = try runProcess("/usr/bin/env", ["curl", "-sS", "--max-time", "60", url])
        return Data(result.stdout.utf8)
    }

    /// Makes a Crypt4GH key pair with the crypt4gh package, as the centre would (`centre.sec`, `centre.pub` in `folder`).
    public static func centreKeys(in folder: URL) throws -> (secret: URL, public: URL) {
        let secret = folder.appendingPathComponent("centre.sec"), pub = folder.appendingPathComponent("centre.pub")
        let script = TestPaths.root.appendingPathComponent("Tests/Conformance/python/crypt4gh_reference.py").path
        let made = try runProcess(try python(), [script, "keygen", secret.path, pub.path])
        guard made.status == 0 else { throw PrecisError(.other, "crypt4gh keygen failed: \(made.stderr)") }
        return (secret, pub)
    }

    /// Stops moto and the proxy.
    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}
