import Foundation
import PrecisCore
import PrecisFormats
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// HL7 v2 to the LIS: over MLLP with the ACK deciding delivered / try again / refused (the test
/// LIS, centre/test_lis.py), or as files in a folder the LIS watches.
@Suite(.serialized) struct LISTests {
    /// The test LIS in a folder of its own, answering `answers` in turn.
    func startLIS(_ answers: String) throws -> TestCentre {
        try TestCentre(["--answers", answers], folder: try TestPaths.temporaryFolder("lis"), script: "test_lis.py")
    }

    /// The messages the LIS received, in order, as they were sent (segments ended by CR).
    func received(_ lis: TestCentre) -> [String] {
        guard let log = try? String(contentsOfFile: lis.db, encoding: .utf8) else { return [] }
        return log.split(separator: "\n").map { $0.replacingOccurrences(of: "|~|", with: "\r") + "\r" }
    }

    func uploader(_ store: Store, _ destination: HL7Destination, clock: @escaping @Sendable () -> Date = { Date() }) -> Uploader {
        Uploader(store: store, destinations: [destination], owner: "1@test", clock: clock,
                 policy: RetryPolicy(base: 1, cap: 4, lease: 30, random: { 0 }))
    }

    func mllp(_ lis: TestCentre) throws -> HL7Destination {
        try HL7Destination(configuration: LISConfiguration(host: "127.0.0.1", port: lis.port, application: "LIS", facility: "HOSP"),
                           sender: sender)
    }

    func results(_ count: Int, patient: String? = "P-0042") throws -> Store {
        try storeWithResults(count, at: try TestPaths.temporaryFolder("lis-store").appendingPathComponent("p.sqlite").path,
                             destinations: ["lis"], patient: patient)
    }

    @Test func anAcceptedMessageIsDeliveredAsSent() async throws {
        let lis = try startLIS("AA")
        defer { lis.stop() }
        let store = try results(2)
        let destination = try mllp(lis)
        #expect(try await uploader(store, destination).runOnce().delivered == 2)
        let first = try store.package(for: try store.outbox()[0])
        #expect(received(lis).count == 2)
        #expect(received(lis).first == String(decoding: try destination.payload(first), as: UTF8.self))
        #expect(received(lis).allSatisfy { $0.contains("ORU^R01^ORU_R01") && $0.contains("OBX|1|NM|1988-5") })
        #expect(try store.outbox(states: [.delivered]).count == 2)
    }

    /// The LIS got the message but its ACK never came: the message is sent again, with the same
    /// control id (MSH-10), so the LIS can tell it is a resend.
    @Test func aMissingACKMeansTheSameMessageIsSentAgain() async throws {
        let lis = try startLIS("drop,AA")
        defer { lis.stop() }
        let store = try results(2)
        let clock = LISTestClock(Date().addingTimeInterval(1))
        let sending = uploader(store, try mllp(lis), clock: { clock.now })
        let first = try await sending.runOnce()
        #expect(first.delivered == 1 && first.retrying == 1)
        let waiting = try #require(try store.outbox(states: [.pending]).first)
        #expect(waiting.lastError?.hasPrefix("no ACK from the LIS") == true)
        clock.advance(5)
        #expect(try await sending.runOnce().delivered == 1)
        let controls = received(lis).map { $0.split(separator: "\r")[0].split(separator: "|", omittingEmptySubsequences: false)[9] }
        #expect(controls.count == 3)                     // one message twice, one once
        #expect(Set(controls).count == 2)
    }

    @Test func anApplicationErrorIsTriedAgainAndARejectionIsFinal() async throws {
        let busy = try startLIS("AE,AA")
        defer { busy.stop() }
        let store = try results(1)
        let clock = LISTestClock(Date().addingTimeInterval(1))
        let sending = uploader(store, try mllp(busy), clock: { clock.now })
        #expect(try await sending.runOnce().retrying == 1)
        #expect(try store.outbox().first?.lastError == "the LIS answered AE: LIS busy, try again")
        clock.advance(5)
        #expect(try await sending.runOnce().delivered == 1)
        #expect(received(busy).count == 2)

        for (answers, patient) in [("AR", "P-0042"), ("AA", "REJECT-1")] {
            let refusing = try startLIS(answers)
            defer { refusing.stop() }
            let other = try results(1, patient: patient)
            #expect(try await uploader(other, try mllp(refusing)).runOnce().failed == 1)
            #expect(try other.outbox(states: [.failed]).first?.lastError
                    == "the LIS rejected the message (AR): unknown test code for this ward")
        }
    }

    @Test func aDropFolderGetsOneFilePerResultEvenWhenResent() async throws {
        let folder = try TestPaths.temporaryFolder("lis")
        let drop = folder.appendingPathComponent("drop")
        try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
        let store = try results(3)
        let destination = try HL7Destination(configuration: LISConfiguration(dropFolder: drop.path), sender: sender)
        #expect(try await uploader(store, destination).runOnce().delivered == 3)
        let package = try store.package(for: try store.outbox()[0])
        _ = try await destination.deliver(package)                 // a resend after a crash
        let files = try FileManager.default.contentsOfDirectory(atPath: drop.path).sorted()
        #expect(files.count == 3)
        #expect(files.allSatisfy { $0.hasSuffix(".hl7") && !$0.hasPrefix(".") })
        let written = try Data(contentsOf: drop.appendingPathComponent("\(HL7Mapping.controlID(package)).hl7"))
        #expect(written == (try destination.payload(package)))
    }

    @Test func anUnreachableLISIsTriedAgain() async throws {
        let lis = try startLIS("AA")
        let port = lis.port
        lis.stop()                                                   // nothing listens there any more
        let store = try results(1)
        let destination = try HL7Destination(configuration: LISConfiguration(host: "127.0.0.1", port: port), sender: sender)
        #expect(try await uploader(store, destination).runOnce().retrying == 1)
        #expect(try store.outbox().first?.lastError?.contains("refused the connection") == true)
    }
}

/// A clock the LIS tests move by hand.
final class LISTestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}
