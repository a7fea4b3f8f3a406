import Foundation
import PrecisCore
@testable import PrecisKiosk
import PrecisRuntime
import PrecisStore
import PrecisTestSupport
import Testing

/// The kiosk's overflow counter counts runs whose error names the cause, whatever its message says.
@Suite struct KioskMetricsTests {
    static func report(error: [String: Any]) throws -> RunReport {
        let json: [String: Any] = [
            "runId": 1, "runUid": "u", "sample": "S-1", "assay": "crp", "status": "ABORTED", "flags": [], "interpretation": [],
            "instrument": ["id": "lfr:X", "family": "lfr", "serial": "X", "firmware": "1", "endpoint": "usb:X"],
            "raw": ["readings": 0, "complete": false], "outbox": [], "error": error, "training": false, "kind": "strip",
        ]
        return try JSONDecoder().decode(RunReport.self, from: JSONSerialization.data(withJSONObject: json))
    }

    @Test func anOverflowIsCountedByItsCauseNotItsWords() throws {
        let store = try Store(path: FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).sqlite").path)
        let metrics = KioskMetrics()
        metrics.runFinished(try Self.report(error: ["kind": "protocol", "message": "usb:X: receive buffer overflowed, 64 bytes lost"]),
                            seconds: 1)
        #expect(metrics.render(store: store, activeRuns: 0, eventClients: 0).contains("precis_ring_overflows_total 0"))
        metrics.runFinished(try Self.report(error: ["kind": "protocol", "message": "bytes were lost", "cause": "receive-overflow"]),
                            seconds: 1)
        #expect(metrics.render(store: store, activeRuns: 0, eventClients: 0).contains("precis_ring_overflows_total 1"))
    }

    /// The store's gauges are read again only when the store's change count moved, and then at
    /// once: a run begun by another process shows in the next scrape.
    @Test func aScrapeAfterAnotherProcessWroteShowsTheWrite() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).sqlite").path
        let store = try Store(path: path), other = try Store(path: path)
        let metrics = KioskMetrics()
        #expect(metrics.render(store: store, activeRuns: 0, eventClients: 0).contains(#"precis_runs{status="RUNNING"} 0"#))
        #expect(metrics.render(store: store, activeRuns: 0, eventClients: 0).contains(#"precis_runs{status="RUNNING"} 0"#))
        let instrument = DeviceIdentity(family: "lfr", serial: "LFR-M", firmware: "1", instrumentCalibrationID: nil)
        try other.saveInstrument(instrument, endpoint: "sim:lfr", at: Date())
        _ = try other.beginRun(NewRun(sampleID: "S-M1", patientID: nil, assay: "crp", instrument: instrument, endpoint: "sim:lfr",
                                      calibrationID: nil, cartridgeID: nil, operatorID: "t", owner: "1@elsewhere"), at: Date())
        let text = metrics.render(store: store, activeRuns: 0, eventClients: 0)
        #expect(text.contains(#"precis_runs{status="RUNNING"} 1"#), "\(text.split(separator: "\n").filter { $0.hasPrefix("precis_runs") })")
    }

    /// The inbox's gauges add up what the store records of every upload: bytes on the wire
    /// (retries included), parts the inbox took, and requests sent again.
    @Test func aScrapeCountsTheInboxsBytesPartsAndRetries() throws {
        let folder = try TestPaths.temporaryFolder("metrics-inbox")
        let reads = folder.appendingPathComponent("reads.blow5")
        try makeReadsFile(reads, size: 1 << 16)
        let store = try storeWithReads(reads, at: folder.appendingPathComponent("precis.sqlite").path, destinations: [])
        let entry = try #require(try store.outbox().first { $0.destination == "inbox" })
        _ = try store.beginInboxUpload(outboxID: entry.id, key: "k", url: "s3://inbox/k", encryptedPath: reads.path + ".c4gh",
                                       partSize: 5 << 20, at: Date())
        try store.recordSent(outboxID: entry.id, bytes: 1_000, retried: false, at: Date())
        try store.recordSent(outboxID: entry.id, bytes: 500, retried: true, at: Date())
        try store.recordPart(outboxID: entry.id, uploadID: "u", InboxPart(number: 1, size: 1_000, etag: "\"m\"", md5: "m"),
                             seconds: 1, at: Date())
        let text = KioskMetrics().render(store: store, activeRuns: 0, eventClients: 0)
        let inbox = text.split(separator: "\n").filter { $0.hasPrefix("precis_inbox") }
        #expect(inbox.contains("precis_inbox_bytes_sent 1500.0"), "\(inbox)")
        #expect(inbox.contains("precis_inbox_parts_sent 1.0"), "\(inbox)")
        #expect(inbox.contains("precis_inbox_retries 1.0"), "\(inbox)")
    }
}
