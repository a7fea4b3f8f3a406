import AsyncHTTPClient
import Foundation
import NIOHTTP1
import PrecisStore
import Testing

extension KioskTests {
    /// A run driven through the API from start to the queue, voided by a supervisor, and the
    /// documents the API serves.
    @Suite("Kiosk API: runs, results, queue, void, OpenAPI, metrics", .serialized, .sharedKiosk)
    struct KioskRunTests {
        @Test("POST /api/v1/runs runs sim:lfr crp to a stored, queued result; a void is a new record, the original kept")
        func runToQueueAndVoid() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            let op = try await http.signIn("op1", "1234")
            let started = try await http.send(.POST, "/api/v1/runs", body: #"{"device":"sim:lfr","assay":"crp","sample":"S-0101"}"#,
                                              token: op)
            #expect(started.status == 202, "\(started.body)")
            let ticket = try #require(try started.json()["ticket"] as? String)
            let busy = try await http.send(.POST, "/api/v1/runs", body: #"{"device":"sim:lfr","assay":"crp","sample":"S-0102"}"#,
                                           token: op)
            #expect(busy.status == 409, "a second run on a busy reader: \(busy.body)")
            let run = try await http.waitForRun(ticket, token: op)
            let report = try #require(run["report"] as? [String: Any])
            #expect(report["status"] as? String == "COMPLETED")
            #expect(report["training"] as? Bool == true, "a simulated run is a training run")
            let display = try #require(report["display"] as? String)
            #expect(display.hasSuffix("mg/L"))
            #expect((run["reflectance"] as? [Any])?.count == 501, "the live trace holds every reading")
            let runID = try #require(report["runId"] as? Int)

            let queue = try await http.send(.GET, "/api/v1/queue", token: op).array()
            #expect(queue.contains { $0["sample"] as? String == "S-0101" && $0["state"] as? String == "pending"
                && $0["training"] as? Bool == true })
            let results = try await http.send(.GET, "/api/v1/results", token: op).array()
            #expect(results.first?["display"] as? String == display)
            #expect(results.first?["training"] as? Bool == true)

            let sup = try await http.signIn("sup1", "9876")
            let voided = try await http.send(.POST, "/api/v1/results/\(runID)/void", body: #"{"reason":"sample mislabelled"}"#,
                                             token: sup)
            #expect(voided.status == 200, "\(voided.body)")
            let again = try await http.send(.POST, "/api/v1/results/\(runID)/void", body: #"{"reason":"twice"}"#, token: sup)
            #expect(again.status == 409, "voiding twice is a conflict with the record's state: \(again.body)")
            let held = try await http.send(.GET, "/api/v1/queue", token: op).array()
        let entry = try #require(held.first { $0["sample"] as? String == "S-0101" })
        #expect(entry["state"] as? String == "failed" && (entry["lastError"] as? String)?.contains("voided") == true,
                "a voided result waiting for upload is held: \(entry)")
        let retried = try await http.send(.POST, "/api/v1/queue/\(entry["id"] as? Int ?? 0)/retry", body: "{}", token: op)
        #expect(retried.status == 409, "a voided result is never sent: \(retried.body)")
        let detail = try await http.send(.GET, "/api/v1/results/\(runID)", token: op).json()
            #expect((detail["summary"] as? [String: Any])?["resultStatus"] as? String == "VOID")

            let store = try Store(path: kiosk.database)
            let originalID = Int64(try #require(report["resultId"] as? Int))
            let audit = try store.auditEntries(entity: "result", entityID: String(originalID))
            #expect(audit.contains { $0.action == "voided" && $0.actor == "sup1" && $0.detail.contains("sample mislabelled") })
            #expect(try store.verifyAudit().intact)
            let counts = try store.counts()
            #expect(counts.resultsByStatus["VOID"] == 1, "the current record is the void")
            #expect(try store.auditEntries(entity: "result").contains { $0.entityID == String(originalID) && $0.action == "created" })
        }

        @Test("a failed control locks the reader's assay: runs are refused until a supervisor acknowledges with a reason")
        func qcLockoutIsLiftedOnlyByASupervisorWithAReason() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            // Level 1 at +3.7 SD: Westgard 1-3s rejects, and the assay locks on the simulated reader.
            let qc = try runProcess(TestPaths.precis.path, [
                "qc", "add", "--assay", "crp", "--instrument", "lfr:LFR-SIM-0001", "--lot", "QC-CRP-2609",
                "--value", "1=10.2", "--value", "2=61", "--operator", "tech1", "--db", kiosk.database,
            ], environment: ["PRECIS_CALIBRATION": TestPaths.root.appendingPathComponent("Calibration").path])
            #expect(qc.status == 8, "\(qc.stderr)")
            let op = try await http.signIn("op1", "1234")
            let status = try await http.send(.GET, "/api/v1/qc", token: op).json()
            let lockout = try #require((status["lockouts"] as? [[String: Any]])?.first)
            let id = try #require(lockout["id"] as? Int)
            #expect(lockout["instrumentID"] as? String == "lfr:LFR-SIM-0001")

            let refused = try await http.send(.POST, "/api/v1/runs", body: #"{"device":"sim:lfr","assay":"crp","sample":"S-0111"}"#,
                                              token: op)
            #expect(refused.status >= 400 && refused.status < 500, "a patient run while locked: \(refused.body)")
            #expect(refused.message.lowercased().contains("qc") || refused.message.contains("control"), "\(refused.body)")
            let byOperator = try await http.send(.POST, "/api/v1/qc/lockouts/\(id)/acknowledge",
                                                 body: #"{"reason":"new control vial"}"#, token: op)
            #expect(byOperator.status == 403)
            let sup = try await http.signIn("sup1", "9876")
            let noReason = try await http.send(.POST, "/api/v1/qc/lockouts/\(id)/acknowledge", body: #"{"reason":""}"#, token: sup)
            #expect(noReason.status == 400, "\(noReason.body)")
            let lifted = try await http.send(.POST, "/api/v1/qc/lockouts/\(id)/acknowledge",
                                             body: #"{"reason":"new control vial, repeat in range"}"#, token: sup)
            #expect(lifted.status == 200, "\(lifted.body)")
            let after = try await http.send(.GET, "/api/v1/qc", token: op).json()
            #expect((after["lockouts"] as? [Any])?.isEmpty == true)
            #expect((after["acknowledged"] as? [[String: Any]])?.first?["acknowledgedBy"] as? String == "sup1")
            let store = try Store(path: kiosk.database)
            #expect(try store.auditEntries().contains { $0.actor == "sup1" && $0.detail.contains("new control vial, repeat in range") })
            let started = try await http.send(.POST, "/api/v1/runs", body: #"{"device":"sim:lfr","assay":"crp","sample":"S-0112"}"#,
                                              token: op)
            #expect(started.status == 202, "runs go again once lifted: \(started.body)")
            if let ticket = try started.json()["ticket"] as? String { _ = try await http.waitForRun(ticket, token: op) }
        }

        @Test("a run started with the slot empty waits for the reader's own cartridge-inserted event, then runs")
        func waitsForCartridge() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            let op = try await http.signIn("op1", "1234")
            let device = "sim:lfr?cartridge=none&insert-after-ms=1500"
            let started = try await http.send(.POST, "/api/v1/runs", body: #"{"device":"\#(device)","assay":"crp","sample":"S-0301"}"#,
                                              token: op)
            #expect(started.status == 202, "\(started.body)")
            let first = try started.json()
            #expect(first["phase"] as? String == "waiting-for-cartridge")
            #expect(first["runId"] == nil, "nothing is stored before the cartridge is in")
            let run = try await http.waitForRun(try #require(first["ticket"] as? String), token: op)
            #expect((run["report"] as? [String: Any])?["status"] as? String == "COMPLETED")
            #expect(run["cartridge"] as? String == "CRP26A07:004217")
        }

        @Test("a run refused before it is stored answers with the runtime's reason and status")
        func refusedRun() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            let op = try await http.signIn("op1", "1234")
            let unknown = try await http.send(.POST, "/api/v1/runs", body: #"{"device":"sim:lfr","assay":"nope","sample":"S-1"}"#,
                                              token: op)
            #expect(unknown.status == 400 || unknown.status == 422, "\(unknown.body)")
            #expect(!unknown.message.isEmpty)
            let name = try await http.send(.POST, "/api/v1/runs", body: #"{"device":"sim:lfr","assay":"crp","sample":"John Smith"}"#,
                                           token: op)
            #expect(name.status == 400)
            #expect(!name.body.contains("John"), "the refused value is not repeated")
        }

        @Test("the OpenAPI document describes every route the kiosk serves")
        func openAPI() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            let answer = try await http.send(.GET, "/api/v1/openapi.json")
            #expect(answer.status == 200)
            let doc = try answer.json()
            #expect((doc["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = try #require(doc["paths"] as? [String: Any])
            for path in ["/api/v1/session", "/api/v1/runs", "/api/v1/results", "/api/v1/results/{id}", "/api/v1/results/{id}/void",
                         "/api/v1/queue", "/api/v1/queue/{id}/retry", "/api/v1/qc", "/api/v1/qc/lockouts/{id}/acknowledge",
                         "/api/v1/devices", "/api/v1/assays", "/api/v1/events", "/metrics"] {
                #expect(paths[path] != nil, "\(path) is documented")
            }
            let runs = try #require(paths["/api/v1/runs"] as? [String: Any])
            #expect(runs["post"] != nil)
        }

        @Test("the page and the event stream are served: the page with a CSP, events starting with a snapshot")
        func pageAndEvents() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            let page = try await http.send(.GET, "/")
            #expect(page.status == 200 && page.body.contains("<title>Precis</title>"))
            #expect(page.body.contains(#"<body class="training-mode">"#), "the training kiosk's page says so on every screen")
            #expect(page.headers.first(name: "Content-Security-Policy")?.contains("default-src 'self'") == true)
            #expect(try await http.send(.GET, "/kiosk.js").status == 200)
            let token = try await http.signIn("op1", "1234")
            let first = try await firstEvent(base: kiosk.baseURL, token: token)
            #expect(first.contains("event: snapshot") && first.contains("sim:lfr"))
        }

        private func firstEvent(base: String, token: String) async throws -> String {
            var request = HTTPClientRequest(url: base + "/api/v1/events")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
            var text = ""
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if text.contains("event: snapshot"), text.contains("\n\n") , text.range(of: "event: snapshot\ndata: ")
                    .map({ text[$0.upperBound...].contains("\n\n") }) == true { break }
            }
            return text
        }
    }
}
