import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

let sender = Sender(site: "test-bench", software: "test")

func centreDestination(_ url: String, _ configure: (inout FHIRServerConfiguration) -> Void = { _ in }) throws -> FHIRDestination {
    var configuration = FHIRServerConfiguration(baseURL: url)
    configuration.timeoutSeconds = 3
    configure(&configuration)
    return try FHIRDestination(configuration: configuration, sender: sender)
}

/// Delivery to the test centre over real HTTP, by an uploader in this process.
@Suite(.serialized) struct DeliveryTests {
    @Test func resultsArriveOnceEvenWhenSentTwice() async throws {
        let folder = try TestPaths.temporaryFolder()
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        let store = try storeWithResults(20, at: folder.appendingPathComponent("p.sqlite").path)
        let destination = try centreDestination(centre.url)
        let uploader = Uploader(store: store, destinations: [destination], owner: "1@test")
        let summary = try await uploader.runOnce()
        #expect(summary.delivered == 20)
        #expect(try await uploader.runOnce().delivered == 0)          // nothing left to send
        #expect(try store.outbox(states: [.pending, .inFlight, .failed]).isEmpty)
        // A crash after the centre stored a Bundle but before the outbox knew: the same Bundle again.
        let again = try store.package(for: try store.outbox()[0])
        _ = try await destination.deliver(again)
        _ = try await destination.deliver(again)
        let stats = try centre.stats()
        #expect(stats.observations.rows == 20)
        #expect(stats.observations.distinct == 20)
        await destination.shutdown()
    }

    @Test func aRefusedBundleFailsWithTheServersWordsAndCanBeRetried() async throws {
        let folder = try TestPaths.temporaryFolder()
        let centre = try TestCentre(folder: folder)
        defer { centre.stop() }
        let store = try storeWithResults(2, at: folder.appendingPathComponent("p.sqlite").path, patient: "REJECT-7")
        let destination = try centreDestination(centre.url)
        let uploader = Uploader(store: store, destinations: [destination], owner: "1@test")
        let summary = try await uploader.runOnce()
        #expect(summary.failed == 2)
        let failed = try store.outbox(states: [.failed])
        #expect(failed.count == 2)
        #expect(failed[0].lastError?.contains("400 from the centre: Specimen identifier is not registered") == true)
        let back = try store.retryOutbox(failed[0].id, actor: "tech1", at: Date())
        #expect(back.state == .pending)
        #expect(try store.auditEntries(entity: "outbox", entityID: String(failed[0].id)).map(\.action).suffix(2)
                == ["failed permanently", "retry requested"])
        await destination.shutdown()
    }

    @Test func transientFailuresWaitAndHonourRetryAfter() async throws {
        let folder = try TestPaths.temporaryFolder()
        let centre = try TestCentre(["--fail-ratio", "1.0", "--seed", "4"], folder: folder)
        defer { centre.stop() }
        let store = try storeWithResults(10, at: folder.appendingPathComponent("p.sqlite").path)
        let destination = try centreDestination(centre.url)
        let now = Date()
        let uploader = Uploader(store: store, destinations: [destination], owner: "1@test", clock: { now },
                                policy: RetryPolicy(base: 1, cap: 60, lease: 60, random: { 0 }))
        let summary = try await uploader.runOnce()
        #expect(summary.delivered + summary.retrying == 10)
        for entry in try store.outbox(states: [.pending]) {
            let due = Timestamp.date(entry.nextAttemptAt)!.timeIntervalSince(now)
            // (timestamps are stored to the millisecond)
            #expect(due >= 0.499 && due <= 60)
            if entry.lastError?.hasPrefix("429") == true { #expect(due >= 1.999) }   // Retry-After: 2
            if entry.lastError?.hasPrefix("503") == true { #expect(due >= 0.999) }   // Retry-After: 1
        }
        await destination.shutdown()
    }

    @Test func oauthTokensAreFetchedAndRefreshedAfterA401() async throws {
        let folder = try TestPaths.temporaryFolder()
        let centre = try TestCentre(["--require-token", "--token-lifetime", "1"], folder: folder)
        defer { centre.stop() }
        let secret = folder.appendingPathComponent("secret")
        try "s3cret\n".write(to: secret, atomically: true, encoding: .utf8)
        let store = try storeWithResults(3, at: folder.appendingPathComponent("p.sqlite").path)
        let destination = try centreDestination(centre.url) {
            $0.tokenURL = "http://127.0.0.1:\(centre.port)/token"
            $0.clientID = "bench"
            $0.clientSecretFile = secret.path
        }
        let uploader = Uploader(store: store, destinations: [destination], owner: "1@test")
        #expect(try await uploader.runOnce(limit: 1).delivered == 1)
        try await Task.sleep(for: .milliseconds(1500))               // the server forgets the token
        #expect(try await uploader.runOnce().delivered == 2)       // a 401, a new token, delivered
        #expect((try centre.stats().requests["401"] ?? 0) >= 1)
        await destination.shutdown()
    }
}
