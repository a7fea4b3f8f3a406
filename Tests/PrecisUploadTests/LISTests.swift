import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// The test LIS (centre/test_lis.py): an MLLP listener answering AA, AE, AR or nothing.
final class TestLIS: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: URL

    init(answers: String, folder: URL) throws {
        log = folder.appendingPathComponent("lis-\(UUID().uuidString).jsonl")
        let script = TestPaths.root.appendingPathComponent("Tests/PrecisUploadTests/centre/test_lis.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--log", log.path, "--answers", answers]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw PrecisError(.other, "the test LIS did not start") }
            line.append(chunk)
        }
        let json = try JSONSerialization.jsonObject(with: Data(line.prefix { $0 != UInt8(ascii: "\n") })) as? [String: Any]
        port = try #require(json?["port"] as? Int)
    }

    /// The messages received, in order.
    func received() throws -> [String] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(String.self, from: Data($0.utf8)) }
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// HL7 v2 to the LIS: over MLLP with the ACK deciding delivered / try again / refused, or as
/// files in a folder the LIS watches.
@Suite(.serialized) struct LISTests {
    func uploader(_ store: Store, _ destination: HL7Destination, clock: @escaping @Sendable () -> Date = { Date() }) -> Uploader {
        Uploader(store: store, destinations: [destination], owner: "1@test", clock: clock,
                 policy: RetryPolicy(base: 1, cap: 4, lease: 30, random: { 0 }))
    }

    func mllp(_ lis: TestLIS) throws -> HL7Destination {
        try HL7Destination(configuration: LISConfiguration(host: "127.0.0.1", port: lis.port, application: "LIS", facility: "HOSP"),
                           sender: sender)
    }

    @Test func anAcceptedMessageIsDeliveredAsSent() async throws {
        let folder = try TestPaths.temporaryFolder("lis")
        let lis = try TestLIS(answers: "AA", folder: folder)
        defer { lis.stop() }
        let store = try storeWithResults(2, at: folder.appendingPathComponent("p.sqlite").path, destinations: ["lis"])
        let destination = try mllp(lis)
        let summary = try await uploader(store, destination).runOnce()
        #expect(summary.delivered == 2)
        let received = try lis.received()
        #expect(received.count == 2)
        let first = try store.package(for: try store.outbox()[0])
        #expect(received.first == String(decoding: try destination.payload(first), as: UTF8.self))
        #expect(try store.outbox(states: ["delivered"]).count == 2)
    }

    @Test func anApplicationErrorIsTriedAgainAndARejectionIsFinal() async throws {
        let folder = try TestPaths.temporaryFolder("lis")
        let busy = try TestLIS(answers: "AE,AA", folder: folder)
        defer { busy.stop() }
        let store = try storeWithResults(1, at: folder.appendingPathComponent("p.sqlite").path, destinations: ["lis"])
        let clock = LISTestClock(Date().addingTimeInterval(1))
        let sending = uploader(store, try mllp(busy), clock: { clock.now })
        #expect(try await sending.runOnce().retrying == 1)
        #expect(try store.outbox().first?.lastError == "the LIS answered AE: LIS busy, try again")
        clock.advance(5)
        #expect(try await sending.runOnce().delivered == 1)
        #expect(try busy.received().count == 2)

        let refusing = try TestLIS(answers: "AR", folder: folder)
        defer { refusing.stop() }
        let other = try storeWithResults(1, at: folder.appendingPathComponent("q.sqlite").path, destinations: ["lis"])
        #expect(try await uploader(other, try mllp(refusing)).runOnce().failed == 1)
        #expect(try other.outbox(states: ["failed"]).first?.lastError
                == "the LIS rejected the message (AR): unknown test code for this ward")
    }

    @Test func noAcknowledgementMeansTryAgain() async throws {
        let folder = try TestPaths.temporaryFolder("lis")
        let lis = try TestLIS(answers: "drop", folder: folder)
        defer { lis.stop() }
        let store = try storeWithResults(1, at: folder.appendingPathComponent("p.sqlite").path, destinations: ["lis"])
        #expect(try await uploader(store, try mllp(lis)).runOnce().retrying == 1)
        #expect(try store.outbox().first?.lastError?.hasPrefix("no ACK from the LIS") == true)
        #expect(try store.outbox().first?.state == "pending")
    }

    @Test func aDropFolderGetsOneFilePerResultEvenWhenResent() async throws {
        let folder = try TestPaths.temporaryFolder("lis")
        let drop = folder.appendingPathComponent("drop")
        try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
        let store = try storeWithResults(3, at: folder.appendingPathComponent("p.sqlite").path, destinations: ["lis"])
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
        let folder = try TestPaths.temporaryFolder("lis")
        let lis = try TestLIS(answers: "AA", folder: folder)
        let port = lis.port
        lis.stop()                                                   // nothing listens there any more
        let store = try storeWithResults(1, at: folder.appendingPathComponent("p.sqlite").path, destinations: ["lis"])
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
