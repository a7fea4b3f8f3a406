import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport

/// The test centre (centre/test_centre.py) as a child process on a loopback port.
final class TestCentre: @unchecked Sendable {
    let process = Process()
    let port: Int
    let db: String

    /// Starts the centre (or, with `script` test_lis.py, the LIS) with `arguments`; returns once it listens.
    init(_ arguments: [String] = [], folder: URL, script name: String = "test_centre.py") throws {
        db = folder.appendingPathComponent(name == "test_centre.py" ? "centre.sqlite" : "lis.log").path
        let script = TestPaths.root.appendingPathComponent("Tests/PrecisUploadTests/centre/\(name)").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, name == "test_centre.py" ? "--db" : "--log", db] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw PrecisError(.other, "the test centre did not start") }
            line.append(chunk)
        }
        let first = line.prefix { $0 != UInt8(ascii: "\n") }
        guard let json = try JSONSerialization.jsonObject(with: Data(first)) as? [String: Any], let port = json["port"] as? Int else {
            throw PrecisError(.other, "the test centre said \(String(decoding: line, as: UTF8.self))")
        }
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)/fhir" }

    /// What the centre holds: Observation rows and distinct identifiers, and its answers by status
    /// (read from its SQLite file, so it works over TLS too).
    func stats() throws -> (observations: (rows: Int, distinct: Int), requests: [String: Int]) {
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

    /// The audit heads the centre received with the Bundles it accepted, oldest first.
    func heads() throws -> [AuditHead] {
        try runProcess("/usr/bin/sqlite3", ["-separator", "|", db, "SELECT sequence, hash FROM heads ORDER BY rowid"]).stdout
            .split(separator: "\n").compactMap { AuditHead(text: $0.replacingOccurrences(of: "|", with: ":")) }
    }

    /// Every stored resource's JSON text, for scanning.
    func storedText() throws -> String {
        let run = try runProcess("/usr/bin/sqlite3", [db, "SELECT body FROM resources; SELECT bundle FROM requests;"])
        return run.stdout
    }

    func stop() {
        // SIGKILL: a test process may hand its children SIGTERM ignored.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { if process.isRunning { stop() } }
}

/// A store holding `count` completed runs with results queued for `destinations`, written
/// through the Store API (the chaos test needs many results quickly; the runs themselves
/// are tested elsewhere).
func storeWithResults(_ count: Int, at path: String, destinations: [String] = ["centre"], patient: String? = "P-0042") throws -> Store {
    let store = try Store(path: path)
    let reader = DeviceIdentity(family: "lfr", serial: "LFR-0042", firmware: "2.3.1", instrumentCalibrationID: "OPT-1", model: "LFR-1")
    try store.saveInstrument(reader, endpoint: "sim:lfr", at: Date())
    for i in 1...count {
        let run = try store.beginRun(NewRun(sampleID: String(format: "S-%05d", i), patientID: patient, assay: "crp",
                                            instrument: reader, endpoint: "sim:lfr", calibrationID: nil, cartridgeID: "CRP26A07:\(i)",
                                            operatorID: "tech1", owner: "1@test"), at: Date())
        let value = 1.0 + Double(i % 200)
        _ = try store.completeRun(run.id, raw: RawTrace(kind: "lfr-profile", profile: LineProfile(positionsUM: [0, 50],
                                  reflectance: [40000, 40001]), expectedCount: 2, complete: true),
                                  result: NewResult(status: "FINAL", analyte: "C-reactive protein",
                                                    loinc: Coding(code: "1988-5", display: "C reactive protein [Mass/volume] in Serum or Plasma"),
                                                    concentration: Concentration(value: value, unit: "mg/L"), unit: "mg/L", decimals: 1,
                                                    flags: value > 5 ? [.high] : [], response: 0.3, analysisJSON: "{}",
                                                    referenceRange: "< 5.0 mg/L", reason: nil),
                                  destinations: destinations, linkReport: nil, at: Date(), actor: "tech1")
    }
    return store
}

/// A configuration file pointing at `centre`, with short retries for tests.
func writeConfiguration(centre: String, in folder: URL, base: Double = 0.2, cap: Double = 2, lease: Double = 2,
                        extra: [String: Any] = [:]) throws -> String {
    // A request never outlasts the lease (the configuration refuses that).
    var centreConfig: [String: Any] = ["baseURL": centre, "timeoutSeconds": min(3, lease * 0.6)]
    for (k, v) in extra { centreConfig[k] = v }
    let config: [String: Any] = ["site": "test-bench", "centre": centreConfig,
                                 "upload": ["baseSeconds": base, "capSeconds": cap, "leaseSeconds": lease]]
    let url = folder.appendingPathComponent("config.json")
    try JSONSerialization.data(withJSONObject: config).write(to: url)
    return url.path
}
