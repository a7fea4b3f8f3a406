import Foundation
import Glibc
import NIOHTTP1
import PrecisStore
import Testing

extension KioskTests {
    /// Issue 13, part 1: a file a client names is never the store, and what the kiosk says it
    /// stored stays stored.
    @Suite("Kiosk: the store's files are never opened as anything else", .serialized)
    struct KioskStoreSafetyTests {
        /// The kiosk's arguments: training mode, so that `sim:` and `replay:` get as far as the files.
        static let arguments = ["--training"]

        static func body(device: String, sample: String) throws -> String {
            let object = ["device": device, "assay": "crp", "sample": sample]
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }

        @Test("""
            the store named as a replay trace, a profile and a sequencer input is refused; a second process \
            then leaves the kiosk's -wal alone, and a run answered 202 after that is seen by others and survives the kiosk's death
            """)
        func storeNamedAsADeviceFileLosesNothing() async throws {
            let kiosk = try await KioskProcess.launch(arguments: Self.arguments)
            defer { kiosk.kill() }
            let store = kiosk.database
            let http = KioskClient(base: kiosk.baseURL)
            let op = try await http.signIn("op1", "1234")
            for device in ["replay:\(store)", "sim:lfr?profile=\(store)", "sim:nps?input=\(store)", "replay:\(store)-wal"] {
                let answer = try await http.send(.POST, "/api/v1/runs", body: try Self.body(device: device, sample: "S-0901"), token: op)
                #expect(answer.status == 400, "\(device): \(answer.body)")
            }
            let calibration = TestPaths.root.appendingPathComponent("Calibration").path
            let listed = try await offCooperativePool {
                try runProcess(TestPaths.precis.path, ["results", "--db", store, "--json"],
                               environment: ["PRECIS_CALIBRATION": calibration, "PRECIS_CONFIG": ""])
            }
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(FileManager.default.fileExists(atPath: store + "-wal"), "the other process left the kiosk's WAL in place")

            let started = try await http.send(.POST, "/api/v1/runs", body: try Self.body(device: "sim:lfr", sample: "S-0902"), token: op)
            #expect(started.status == 202, "\(started.body)")
            let ticket = try #require(try started.json()["ticket"] as? String)
            let run = try await http.waitForRun(ticket, token: op)
            let report = try #require(run["report"] as? [String: Any], "\(run)")
            #expect(report["status"] as? String == "COMPLETED")
            let runID = Int64(try #require(report["runId"] as? Int))
            let seen = try await offCooperativePool {
                try runProcess(TestPaths.precis.path, ["results", "--db", store, "--json"],
                               environment: ["PRECIS_CALIBRATION": calibration, "PRECIS_CONFIG": ""])
            }
            #expect(seen.stdout.contains("S-0902"), "another process sees the run the kiosk stored: \(seen.stdout.prefix(300))")
            // A power cut: what was committed must be there when the store is next opened.
            kiosk.kill()

            let after = try Store(path: store)
            let stored = try #require(try after.run(runID), "run \(runID), answered 202 and finished, is in the store")
            #expect(stored.sampleID == "S-0902" && stored.status == .completed)
            #expect(try after.result(forRun: runID) != nil)
        }
    }
}
