import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport
import Testing

/// The uploader as a process, killed with SIGKILL at random moments while the centre fails a
/// third of its requests in mixed ways: every result must arrive exactly once, and the outbox
/// must end empty.
@Suite(.serialized) struct ChaosTests {
    /// A small deterministic generator for the kill times.
    struct Dice {
        var state: UInt64
        mutating func uniform(_ low: Double, _ high: Double) -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return low + (high - low) * Double(state >> 11) / Double(1 << 53)
        }
    }

    /// Waits for `process` off the cooperative threads: an uploader pass takes seconds, and a
    /// test blocking one of the two pool threads that long starves the suites running beside it
    /// (their deliveries time out waiting to be resumed).
    static func exit(of process: Process) async throws {
        struct Box: @unchecked Sendable { let process: Process }
        let box = Box(process: process)
        try await offCooperativePool { box.process.waitUntilExit() }
    }

    /// An uploader process; its stderr goes to `log` (when given), so that one which ends on its
    /// own instead of by the kill can say why.
    func uploader(_ arguments: [String], db: String, config: String, log: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = TestPaths.precis
        process.arguments = ["upload"] + arguments + ["--db", db, "--config", config, "--json"]
        process.standardOutput = FileHandle.nullDevice
        if let log {
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Waits until the centre has answered nothing new for `quiet` seconds (at most `limit`):
    /// a killed uploader's last request may still be in the centre (a slow answer sleeps first),
    /// and its counts are read only once it has settled.
    static func settle(_ centre: TestCentre, quiet: Double = 1.5, limit: Double = 30) async throws {
        var last = try centre.stats().requests.values.reduce(0, +)
        var still = Date()
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline, Date().timeIntervalSince(still) < quiet {
            try await Task.sleep(for: .milliseconds(250))
            let now = try centre.stats().requests.values.reduce(0, +)
            if now != last { last = now; still = Date() }
        }
    }

    @Test func fiveHundredResultsArriveExactlyOnceThroughKillsAndFailures() async throws {
        let folder = try TestPaths.temporaryFolder("chaos")
        // 42 % of requests meet a fault, one in five of them only a slow answer (inside the
        // timeout): a third fail — 500, 503 and 429 with Retry-After, or dropped after processing.
        let started = Date()
        let centre = try TestCentre(["--fail-ratio", "0.42", "--seed", "11", "--slow-seconds", "0.4"], folder: folder)
        defer { centre.stop() }
        let db = folder.appendingPathComponent("precis.sqlite").path
        let store = try storeWithResults(500, at: db)
        let config = try writeConfiguration(centre: centre.url, in: folder, base: 0.1, cap: 1, lease: 1.5)

        var dice = Dice(state: 2026)
        var kills = 0, killsMidWork = 0, rounds = 0
        var ownExits: [String] = []                    // uploaders that ended before the kill, and why
        // At least 22 kills, and on until 5 of them left work behind; 60 rounds at most.
        while rounds < 22 || (killsMidWork < 5 && rounds < 60) {
            rounds += 1
            // Each uploader is killed after a random number of its own deliveries (1–24) and a
            // random 0–60 ms more, so the kills land mid-delivery however fast this machine is.
            // (A kill timed from the start drained the outbox in three rounds on a fast machine.)
            let before = try store.outbox(states: [.delivered]).count
            let target = min(500, before + Int(dice.uniform(1, 25)))
            let log = folder.appendingPathComponent("uploader-\(rounds).log")
            let process = try uploader(["--loop"], db: db, config: config, log: log)
            let giveUp = Date().addingTimeInterval(10)
            while Date() < giveUp, process.isRunning, try store.outbox(states: [.delivered]).count < target {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(Int(dice.uniform(0, 60))))
            kill(process.processIdentifier, SIGKILL)
            try await Self.exit(of: process)
            if process.terminationReason == .uncaughtSignal {
                kills += 1
            } else {
                let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                ownExits.append("round \(rounds): exit \(process.terminationStatus): \(said.suffix(400))")
            }
            // A kill that left work behind interrupted an uploader that was delivering.
            if try !store.outbox(states: [.pending, .inFlight]).isEmpty { killsMidWork += 1 }
        }
        #expect(kills >= rounds - 2, "\(rounds - kills) of \(rounds) uploaders ended on their own: \(ownExits)")
        #expect(killsMidWork >= 5, "the kills interrupted delivery \(killsMidWork) times")

        let deadline = Date().addingTimeInterval(150)
        while try !store.outbox(states: [.pending, .inFlight]).isEmpty, Date() < deadline {
            let process = try uploader(["--now"], db: db, config: config)
            try await Self.exit(of: process)
            try await Task.sleep(for: .milliseconds(300))
        }
        let left = try store.outbox(states: [.pending, .inFlight, .failed])
        #expect(left.isEmpty, "the outbox did not drain in 150 s: \(left.prefix(5).map { "\($0.id) \($0.state) \($0.lastError ?? "")" })")
        #expect(try store.outbox(states: [.delivered]).count == 500)
        try await Self.settle(centre)
        let stats = try centre.stats()
        #expect(stats.observations.rows == 500, "duplicates at the centre")
        #expect(stats.observations.distinct == 500)
        let held = try Self.resources(centre)
        for type in ["Observation", "DiagnosticReport", "Specimen", "Provenance"] {
            #expect(held[type] == 500, "\(type): \(held)")                // every result's resources, each once
        }
        #expect(held["Device"] == 1)
        let requests = stats.requests.values.reduce(0, +)
        let failures = stats.requests.filter { $0.key != "200" }.values.reduce(0, +)
        #expect(Double(failures) / Double(requests) > 0.25, "the centre was to fail a third of requests: \(stats.requests)")
        // The store settled each entry once: one "delivered" in the audit log per entry.
        let delivered = try store.auditEntries(entity: "outbox").filter { $0.action == "delivered" }
        #expect(delivered.count == 500, "\(delivered.count) 'delivered' audit rows for 500 entries")
        #expect(Set(delivered.map(\.entityID)).count == 500)
        let verification = try store.verifyAudit()
        #expect(verification.intact, "\(verification)")
        let resent = (stats.requests["200"] ?? 0) + (stats.requests["200-dropped"] ?? 0) - 500
        print("chaos: \(kills) kills (\(killsMidWork) left work behind), \(requests) requests (\(failures) failed: \(stats.requests)), "
              + "\(resent) Bundles processed again and created nothing, 500 results held once each, "
              + "\(Int(Date().timeIntervalSince(started))) s")
    }

    /// Resources the centre holds, by type: distinct identifiers (ids for the Provenance, which is PUT).
    static func resources(_ centre: TestCentre) throws -> [String: Int] {
        let sql = "SELECT type, CASE WHEN type = 'Provenance' THEN COUNT(DISTINCT id) ELSE COUNT(*) END, "
            + "COUNT(DISTINCT COALESCE(system, '') || '|' || COALESCE(value, id)) FROM resources GROUP BY type"
        var counts: [String: Int] = [:]
        for line in try runProcess("/usr/bin/sqlite3", ["-separator", " ", centre.db, sql]).stdout.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 3, let rows = Int(fields[1]), let distinct = Int(fields[2]) else { continue }
            counts[fields[0]] = rows == distinct ? rows : -rows           // negative: rows repeat an identifier
        }
        return counts
    }
}
