import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// OAuth2 client-credentials tokens: fetched once and reused, fetched again before they expire,
/// and refused credentials leave the results waiting — never failed for good.
@Suite(.serialized) struct OAuthTests {
    struct Setup {
        let centre: TestCentre
        let store: Store
        let secret: URL
    }

    func setup(_ arguments: [String], results: Int) throws -> Setup {
        let folder = try TestPaths.temporaryFolder("oauth")
        let centre = try TestCentre(["--require-token", "--client-secret", "s3cret"] + arguments, folder: folder)
        let secret = folder.appendingPathComponent("secret")
        try "s3cret\n".write(to: secret, atomically: true, encoding: .utf8)
        return Setup(centre: centre, store: try storeWithResults(results, at: folder.appendingPathComponent("p.sqlite").path),
                     secret: secret)
    }

    func destination(_ s: Setup) throws -> FHIRDestination {
        try centreDestination(s.centre.url) {
            $0.tokenURL = "http://127.0.0.1:\(s.centre.port)/token"
            $0.clientID = "ward7-bench2"
            $0.clientSecretFile = s.secret.path
        }
    }

    @Test func aTokenIsFetchedOnceAndReused() async throws {
        let s = try setup([], results: 4)
        defer { s.centre.stop() }
        let d = try destination(s)
        #expect(try await Uploader(store: s.store, destinations: [d], owner: "1@test").runOnce().delivered == 4)
        #expect(try s.centre.stats().requests["token"] == 1)
        #expect(try s.centre.stats().requests["401"] == nil)
        await d.shutdown()
    }

    @Test func aTokenIsRenewedBeforeItExpires() async throws {
        // The endpoint announces 61 s; Precis renews a token with less than a minute left.
        let s = try setup(["--token-expires-in", "61"], results: 2)
        defer { s.centre.stop() }
        let d = try destination(s)
        let uploader = Uploader(store: s.store, destinations: [d], owner: "1@test")
        #expect(try await uploader.runOnce(limit: 1).delivered == 1)
        try await Task.sleep(for: .milliseconds(1200))
        #expect(try await uploader.runOnce().delivered == 1)
        #expect(try s.centre.stats().requests["token"] == 2)
        #expect(try s.centre.stats().requests["401"] == nil)            // renewed before, not after, a refusal
        await d.shutdown()
    }

    @Test func refusedCredentialsLeaveTheResultsWaiting() async throws {
        let s = try setup([], results: 2)
        defer { s.centre.stop() }
        try "wrong\n".write(to: s.secret, atomically: true, encoding: .utf8)
        let wrong = try destination(s)
        let summary = try await Uploader(store: s.store, destinations: [wrong], owner: "1@test").runOnce()
        await wrong.shutdown()
        #expect(summary.failed == 0)
        #expect(summary.retrying == 2)
        let waiting = try s.store.outbox(states: [.pending])
        #expect(waiting.count == 2)
        #expect(waiting.allSatisfy { $0.lastError?.contains("the token endpoint answered 401: check the client id and secret") == true })
        #expect(!summary.lines.joined().contains("wrong"))               // the secret is never shown
        #expect(try s.centre.stats().observations.rows == 0)

        // The secret is put right: the same entries go, with no one retrying them by hand.
        try "s3cret\n".write(to: s.secret, atomically: true, encoding: .utf8)
        let right = try destination(s)
        let later = Date().addingTimeInterval(7200)
        #expect(try await Uploader(store: s.store, destinations: [right], owner: "2@test", clock: { later }).runOnce().delivered == 2)
        await right.shutdown()
    }
}
