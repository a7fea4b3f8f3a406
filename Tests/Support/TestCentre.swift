import Foundation
import PrecisCore
import PrecisStore

/// The test centre (Tests/PrecisUploadTests/centre/test_centre.py) as a child process on a loopback port.
public final class TestCentre: @unchecked Sendable {
    let process = Process()
    public let port: Int
    public let db: String

    /// Starts the centre (or, with `script` test_lis.py, the LIS) with `arguments`; returns once it listens.
    public init(_ arguments: [String] = [], folder: URL, script name: String = "test_centre.py") throws {
        db = folder.appendingPathComponent(name == "test_centre.py" ? "centre.sqlite" : "lis.log").path
        let script = TestPaths.root.appendingPathComponent("Tests/PrecisUploadTests/centre/\(name)").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, name == "test_centre.py" ? "--db" : "--log", db] + arguments
        port = try startAndReadPort(process, what: "the test centre")
    }

    public var url: String { "http://127.0.0.1:\(port)/fhir" }

    /// What the centre holds: Observation rows and distinct identifiers, and its answers by status
    /// (read from its SQLite file, so it works over TLS too).
    public func stats() throws -> (observations: (rows: Int, distinct: Int), requests: [String: Int]) {
        func query(_ sql: String) throws -> [[String]] {
            try runProcess("/usr/bin/env", ["sqlite3", "-separator", "|", db, sql]).stdout
                .split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        }
        let observations = try query("SELECT COUNT(*), COUNT(DISTINCT system || '|' || value) FROM resources WHERE type = 'Observation'")
        let row = observations.first ?? ["0", "0"]
        var requests: [String: Int] = [:]
        for line in try query("SELECT outcome, COUNT(*) FROM requests GROUP BY outcome") where line.count == 2 {
            requests[line[0]] = Int(line[1]) ?? 0
        }
        return ((Int(row[0]) ?? 0, Int(row.count > 1 ? row[1] : "0") ?? 0), requests)
    }

    /// How many resources of each type the centre holds.
    public func resourceCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in try runProcess("/usr/bin/sqlite3", ["-separator", "|", db, "SELECT type, COUNT(*) FROM resources GROUP BY type"])
            .stdout.split(separator: "\n") {
            let parts = line.split(separator: "|")
            if parts.count == 2 { counts[String(parts[0])] = Int(parts[1]) }
        }
        return counts
    }

    /// The audit heads the centre received with the Bundles it accepted, oldest first.
    public func heads() throws -> [AuditHead] {
        try runProcess("/usr/bin/sqlite3", ["-separator", "|", db, "SELECT sequence, hash FROM heads ORDER BY rowid"]).stdout
            .split(separator: "\n").compactMap { AuditHead(text: $0.replacingOccurrences(of: "|", with: ":")) }
    }

    /// Every stored resource's JSON text, for scanning.
    public func storedText() throws -> String {
        let run = try runProcess("/usr/bin/sqlite3", [db, "SELECT body FROM resources; SELECT bundle FROM requests;"])
        return run.stdout
    }

    public func stop() {
        // SIGKILL: a test process may hand its children SIGTERM ignored.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}

/// A test centre and a LIS drop folder for a store's results, and the configuration file that
/// names both as training (non-production) destinations: the two destinations every result
/// is queued for.
public struct TestDestinations: Sendable {
    public let centre: TestCentre
    /// Where the LIS destination writes one ORU^R01 file per result.
    public let drop: URL
    /// The configuration file (`PRECIS_CONFIG`).
    public let config: URL

    public init(folder: URL, site: String) throws {
        centre = try TestCentre(folder: folder)
        drop = folder.appendingPathComponent("lis-drop")
        try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
        config = folder.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: [
            "site": site, "centre": ["baseURL": centre.url, "production": false],
            "lis": ["dropFolder": drop.path, "application": "LIS", "facility": "HOSP", "production": false],
        ]).write(to: config)
    }

    /// The ORU files the LIS destination wrote.
    public func messages() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: drop.path).filter { $0.hasSuffix(".hl7") }
    }

    public func stop() { centre.stop() }
}

/// Starts a test server's `process` (its stderr discarded) and returns the `port` its first
/// stdout line (`{"port": N, …}`) names; one that ends first, or says anything else, is an error.
func startAndReadPort(_ process: Process, what: String) throws -> Int {
    guard let port = try startAndReadFirstLine(process, what: what)["port"] as? Int else {
        throw PrecisError(.other, "\(what) named no port")
    }
    return port
}

/// Starts `process` and returns the JSON object on the first line it writes.
func startAndReadFirstLine(_ process: Process, what: String) throws -> [String: Any] {
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
        let chunk = out.fileHandleForReading.availableData
        guard !chunk.isEmpty else { throw PrecisError(.other, "\(what) did not start") }
        line.append(chunk)
    }
    let first = Data(line.prefix { $0 != UInt8(ascii: "\n") })
    guard let json = try JSONSerialization.jsonObject(with: first) as? [String: Any] else {
        throw PrecisError(.other, "\(what) said \(String(decoding: line, as: UTF8.self))")
    }
    return json
}
