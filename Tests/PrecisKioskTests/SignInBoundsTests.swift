import Foundation
import PrecisKiosk
import PrecisStore
import PrecisTestSupport
import Testing

/// Sign-in's rate limit holds under parallel guesses, and its table does not grow without bound.
@Suite struct SignInBoundsTests {
    func operators(clock: @escaping @Sendable () -> Date = { Date() }) throws -> (Operators, Store) {
        let store = try Store(path: try TestPaths.temporaryFolder("precis-signin").appendingPathComponent("precis.sqlite").path)
        var configuration = KioskConfiguration()
        configuration.pinIterations = PINHash.minimumIterations   // slow enough that parallel guesses overlap
        let operators = Operators(store: store, configuration: configuration, clock: clock)
        try operators.add(id: "op1", role: .operator, pin: "1234", actor: "test")
        return (operators, store)
    }

    /// The HTTP status a sign-in gets (200 when it succeeds).
    static func status(_ operators: Operators, _ id: String, _ pin: String) -> Int {
        do { _ = try operators.signIn(id: id, pin: pin); return 200 } catch let error as APIError { return error.status } catch { return 500 }
    }

    @Test func fortyParallelWrongPINsGetFiveChecks() async throws {
        let (operators, _) = try operators()
        let statuses = await withTaskGroup(of: Int.self) { group in
            for i in 0..<40 { group.addTask { Self.status(operators, "op1", String(format: "%04d", 5000 + i)) } }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 401 }.count == 5, "\(statuses.sorted())")
        #expect(statuses.filter { $0 == 429 }.count == 35)
        #expect(Self.status(operators, "op1", "1234") == 429, "the right PIN is locked out too")
    }

    @Test func attemptsForUnknownIdsAreBounded() throws {
        let start = Date()
        nonisolated(unsafe) var now = start
        let (operators, store) = try operators(clock: { now })
        for i in 0..<50 { #expect(Self.status(operators, "nobody\(i)", "0000") == 401) }
        for _ in 0..<20 { _ = Self.status(operators, "nobody0", "0000") }
        #expect(try rows(store) == 50 + 5 - 1, "per id only the newest five are kept")
        now = start.addingTimeInterval(86_401)
        #expect(Self.status(operators, "op1", "1234") == 200)
        #expect(try rows(store) == 1, "a day later the old attempts are gone")
    }

    /// A script trying ids that are no operator's gets one audit entry per window, for the id
    /// `unknown` and with the count of the refusals in between; an operator's own refusals are
    /// each an entry, and the chain still verifies.
    @Test func refusalsForUnknownIdsAreAuditedOncePerWindow() throws {
        let start = Date()
        nonisolated(unsafe) var now = start
        let (operators, store) = try operators(clock: { now })
        let before = try store.auditEntries().count
        for i in 0..<100 { _ = Self.status(operators, "nobody\(i)", "0000") }
        for _ in 0..<3 { _ = Self.status(operators, "op1", "0000") }
        let refusals = try store.auditEntries().dropFirst(before)
        #expect(refusals.map(\.action) == ["sign-in refused: no operator has this id"] + Array(repeating: "sign-in refused", count: 3))
        #expect(refusals.first?.entityID == "unknown" && refusals.first?.actor == "unknown", "never the id typed")
        #expect(!refusals.contains { $0.detail.contains("nobody") })
        now = start.addingTimeInterval(Store.unknownSignInAuditWindow + 1)
        _ = Self.status(operators, "nobody-later", "0000")
        let later = try #require(try store.auditEntries().last)
        #expect(later.action == "sign-in refused: no operator has this id")
        #expect(later.detail.contains("\"99\""), "the 99 refusals not logged one by one are counted: \(later.detail)")
        #expect(try store.verifyAudit().problems.isEmpty)
    }

    private func rows(_ store: Store) throws -> Int {
        let run = try runProcess("/usr/bin/env", ["sqlite3", store.path, "SELECT COUNT(*) FROM signin_attempts"])
        return Int(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
