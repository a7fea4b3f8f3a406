import Foundation
import PrecisCore
@testable import PrecisKiosk
import PrecisRuntime
import PrecisStore
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
}
