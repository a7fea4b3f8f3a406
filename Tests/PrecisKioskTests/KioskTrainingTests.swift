import Foundation
import NIOHTTP1
import Testing

extension KioskTests {
    /// Issue 13, part 1: outside training mode the kiosk neither offers nor runs a simulator or a
    /// replayed trace, and no answer carries a path the client did not send.
    @Suite("Kiosk: training mode and paths in answers", .serialized)
    struct KioskTrainingTests {
        @Test("without --training: no sim: or replay: in the device list, POST /api/v1/runs refuses them with 403, the page shows no training mode")
        func simulatorsOnlyInTrainingMode() async throws {
            let kiosk = try await KioskProcess.launch()
            defer { kiosk.kill() }
            let http = KioskClient(base: kiosk.baseURL)
            let op = try await http.signIn("op1", "1234")
            let devices = try await http.send(.GET, "/api/v1/devices", token: op).array()
            let addresses = devices.compactMap { $0["address"] as? String }
            #expect(!addresses.contains { $0.hasPrefix("sim:") || $0.hasPrefix("replay:") }, "\(addresses)")
            for device in ["sim:lfr", "sim:lfr?ratio=0.9", "replay:/tmp/session.jsonl", "sim:nps?input=/tmp/reads.blow5"] {
                let body = #"{"device":"\#(device)","assay":"crp","sample":"S-0801"}"#
                let answer = try await http.send(.POST, "/api/v1/runs", body: body, token: op)
                #expect(answer.status == 403, "\(device): \(answer.body)")
                #expect(answer.message.contains("training mode"), "\(answer.body)")
            }
            #expect(try await http.send(.GET, "/api/v1/runs", token: op).array().isEmpty, "nothing was started")
            let page = try await http.send(.GET, "/")
            #expect(page.status == 200 && !page.body.contains("training-mode"))
        }

        @Test("GET /api/v1/results/999999 is 404 and names no path; a store error names no path")
        func missingResultIsNotFoundWithoutPaths() async throws {
            let kiosk = try await KioskProcess.launch()
            defer { kiosk.kill() }
            let http = KioskClient(base: kiosk.baseURL)
            let op = try await http.signIn("op1", "1234")
            let missing = try await http.send(.GET, "/api/v1/results/999999", token: op)
            #expect(missing.status == 404, "\(missing.body)")
            let folder = URL(fileURLWithPath: kiosk.database).deletingLastPathComponent().path
            #expect(!missing.body.contains(folder) && !missing.body.contains(".sqlite"), "\(missing.body)")
            #expect(!missing.message.isEmpty)
            let notANumber = try await http.send(.GET, "/api/v1/results/abc", token: op)
            #expect(notANumber.status == 400)
            let voidMissing = try await http.send(.GET, "/api/v1/results/-1", token: op)
            #expect(voidMissing.status == 404 && !voidMissing.body.contains(folder))
        }
    }
}
