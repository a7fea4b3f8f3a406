import AsyncHTTPClient
import Foundation
import PrecisCore
import PrecisStore
import PrecisTestSupport
import Testing

extension KioskTests.KioskRunTests {
    /// A page of results is kept by the store's change count: asked again, it comes with the same
    /// ETag and body (304 to a client that sends that ETag back), and as soon as another process
    /// writes to the store (here a run begun through the store file, as a terminal's `precis run`
    /// does) the next answer is the new page, never the kept one.
    @Test("a results page is given again only while the store is unchanged; another process's write shows at once")
    func aKeptPageIsNeverOlderThanTheStore() async throws {
        let kiosk = try SharedKiosk.kiosk()
        let http = KioskClient(base: kiosk.baseURL)
        let op = try await http.signIn("op1", "1234")
        let first = try await http.send(.GET, "/api/v1/results?limit=3", token: op)
        let tag = try #require(first.headers.first(name: "ETag"))
        let again = try await http.send(.GET, "/api/v1/results?limit=3", token: op)
        #expect(again.headers.first(name: "ETag") == tag && again.body == first.body)
        #expect(again.headers.first(name: "Cache-Control") == "no-store", "no patient data kept on a browser's disk")
        let unchanged = try await http.send(.GET, "/api/v1/results?limit=3", token: op, headers: [("If-None-Match", tag)])
        #expect(unchanged.status == 304 && unchanged.body.isEmpty, "\(unchanged.status) \(unchanged.body.prefix(80))")
        let signedOut = try await http.send(.GET, "/api/v1/results?limit=3", headers: [("If-None-Match", tag)])
        #expect(signedOut.status == 401, "a kept page is still only for a signed-in caller")

        let store = try Store(path: kiosk.database)
        let instrument = DeviceIdentity(family: "lfr", serial: "LFR-CACHE", firmware: "2.3.1", instrumentCalibrationID: nil)
        try store.saveInstrument(instrument, endpoint: "sim:lfr", at: Date())
        let begun = try store.beginRun(NewRun(sampleID: "S-CACHE", patientID: nil, assay: "crp", instrument: instrument,
                                              endpoint: "sim:lfr", calibrationID: nil, cartridgeID: nil, operatorID: "tech1",
                                              owner: "1@elsewhere"), at: Date())
        let after = try await http.send(.GET, "/api/v1/results?limit=3", token: op, headers: [("If-None-Match", tag)])
        #expect(after.status == 200 && after.headers.first(name: "ETag") != tag)
        #expect(try after.array().first?["runId"] as? Int == Int(begun.id), "the run another process began is on top")
        #expect(try after.array().first?["status"] as? String == "RUNNING")
        try store.abortRun(begun.id, error: PrecisError(.other, "test run"), partial: nil, linkReport: nil, at: Date())
        let aborted = try await http.send(.GET, "/api/v1/results?limit=3", token: op)
        #expect(try aborted.array().first?["status"] as? String == "ABORTED", "an update shows too, not only a new row")
    }
}
