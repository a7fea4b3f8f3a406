import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport
import PrecisUpload
import Testing

/// HL7 v2 to the LIS over MLLP, acknowledged by MSA.
@Suite(.serialized) struct LISTests {
    @Test func mllpDeliversOnAnAAAndRetriesWhenTheACKNeverCame() async throws {
        let folder = try TestPaths.temporaryFolder("lis")
        let lis = try TestCentre(["--drop-first"], folder: folder, script: "test_lis.py")
        defer { lis.stop() }
        let store = try storeWithResults(2, at: folder.appendingPathComponent("p.sqlite").path, destinations: ["lis"])
        let destination = try HL7Destination(configuration: LISConfiguration(host: "127.0.0.1", port: lis.port), sender: sender)
        let uploader = Uploader(store: store, destinations: [destination], owner: "1@test",
                                policy: RetryPolicy(base: 0.05, cap: 0.1, lease: 5, random: { 0 }))
        let first = try await uploader.runOnce()
        #expect(first.delivered == 1 && first.retrying == 1)   // the first message was received but not acknowledged
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await uploader.runOnce().delivered == 1)
        let log = try String(contentsOfFile: lis.db, encoding: .utf8).split(separator: "\n")
        #expect(log.count == 3)   // one message twice (resent with the same control id), one once
        let controls = log.map { $0.components(separatedBy: "|~|")[0].split(separator: "|", omittingEmptySubsequences: false)[9] }
        #expect(Set(controls).count == 2)
        #expect(log.allSatisfy { $0.contains("ORU^R01^ORU_R01") && $0.contains("OBX|1|NM|1988-5") })
    }

    @Test func anARIsARefusal() async throws {
        let folder = try TestPaths.temporaryFolder("lis-ar")
        let lis = try TestCentre(folder: folder, script: "test_lis.py")
        defer { lis.stop() }
        let store = try storeWithResults(1, at: folder.appendingPathComponent("p.sqlite").path, destinations: ["lis"], patient: "REJECT-1")
        let destination = try HL7Destination(configuration: LISConfiguration(host: "127.0.0.1", port: lis.port), sender: sender)
        let summary = try await Uploader(store: store, destinations: [destination], owner: "1@test").runOnce()
        #expect(summary.failed == 1)
        #expect(try store.outbox(states: ["failed"]).first?.lastError?.contains("the LIS rejected the message (AR)") == true)
    }
}
