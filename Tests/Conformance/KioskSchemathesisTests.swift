import Foundation
import PrecisTestSupport
import Testing

/// The kiosk's API against its own OpenAPI document, by schemathesis (PyPI): generated
/// requests for every operation, each answer checked for a declared status and a body
/// that matches the document, 405 for undeclared methods, and refusal of requests the
/// document does not allow. Bounded (a fixed seed, 20 examples an operation: about 700
/// requests, some 20 s) so that `make test` keeps its time.
@Suite("Kiosk API under schemathesis")
struct KioskSchemathesisTests {
    @Test("every operation answers as /api/v1/openapi.json says, for ~700 generated requests")
    func apiConformsToItsDocument() async throws {
        let kiosk = try await KioskProcess.launch()
        defer { kiosk.kill() }
        let base = kiosk.baseURL
        let output: Data
        do {
            output = try await offCooperativePool { try runReference("kiosk_schemathesis.py", [base, "sup1", "9876", "1", "20"]) }
        } catch {
            Issue.record("schemathesis found failures: \(error)")
            return
        }
        let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect(report["status"] as? Int == 0)
        let summary = report["summary"] as? String ?? ""
        #expect(summary.contains(" generated, "), "schemathesis ran no case: \(summary)")
        print("schemathesis: \(summary)")
    }
}
