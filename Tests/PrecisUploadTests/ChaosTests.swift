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

    func uploader(_ arguments: [String], db: String, config: String) throws -> Process {
        let process = Process()
        process.executableURL = TestPaths.precis
        process.arguments = ["upload"] + arguments + ["--db", db, "--config", config, "--json"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func fiveHundredResultsArriveExactlyOnceThroughKillsAndFailures() async throws {
        let folder = try TestPaths.temporaryFolder("chaos")
        let centre = try TestCentre(["--fail-ratio", "0.33", "--seed", "11", "--slow-seconds", "0.4"], folder: folder)
        defer { centre.stop() }
        let db = folder.appendingPathComponent("precis.sqlite").path
        let store = try storeWithResults(500, at: db)
        let config = try writeConfiguration(centre: centre.url, in: folder, base: 0.1, cap: 1, lease: 1.5)

        var dice = Dice(state: 2026)
        var kills = 0
        for _ in 0..<22 {
            let process = try uploader(["--loop"], db: db, config: config)
            try await Task.sleep(for: .milliseconds(Int(dice.uniform(300, 1200))))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { kills += 1 }
        }
        #expect(kills >= 20)
        #expect(try store.outbox(states: ["delivered"]).count < 500, "the kills left work to do")

        let deadline = Date().addingTimeInterval(150)
        while try !store.outbox(states: ["pending", "in_flight"]).isEmpty, Date() < deadline {
            let process = try uploader(["--now"], db: db, config: config)
            process.waitUntilExit()
            try await Task.sleep(for: .milliseconds(300))
        }
        #expect(try store.outbox(states: ["pending", "in_flight", "failed"]).isEmpty, "the outbox did not drain")
        #expect(try store.outbox(states: ["delivered"]).count == 500)
        let stats = try centre.stats()
        #expect(stats.observations.rows == 500, "duplicates at the centre")
        #expect(stats.observations.distinct == 500)
        let failures = stats.requests.filter { $0.key != "200" }.values.reduce(0, +)
        #expect(failures > 50, "the centre was to fail a third of requests: \(stats.requests)")
        #expect(try store.verifyAudit().intact)
        print("chaos: \(kills) kills, centre requests \(stats.requests), 500 observations, no duplicates")
    }
}
