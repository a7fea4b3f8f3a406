import Foundation
import NIOHTTP1
import Testing

extension KioskTests {
    /// The API's answers say what is wrong in the status code HTTP gives it: 404 for a
    /// record that does not exist, 405 (with `Allow`) for a method a path does not take,
    /// 409 for a record in the wrong state, 400 for a query value out of range — never a
    /// silent clamp or a 400 for everything.
    @Suite("Kiosk API: status codes", .serialized, .sharedKiosk)
    struct KioskStatusTests {
        @Test("a method the OpenAPI document does not list on a path is 405 with Allow; an unknown path stays 404")
        func methodNotAllowed() async throws {
            let http = KioskClient(base: try SharedKiosk.kiosk().baseURL)
            let token = try await http.signIn("sup1", "9876")
            for (method, path, allow) in [(HTTPMethod.TRACE, "/api/v1/results", "GET"), (.PUT, "/api/v1/runs", "GET, POST"),
                                          (.DELETE, "/api/v1/results/1", "GET"), (.GET, "/api/v1/results/1/void", "POST"),
                                          (.POST, "/metrics", "GET")] {
                let answer = try await http.send(method, path, token: token)
                #expect(answer.status == 405, "\(method) \(path) gave \(answer.status)")
                #expect(answer.headers.first(name: "Allow") == allow, "\(method) \(path): Allow \(answer.headers["Allow"])")
                #expect(answer.message.contains(allow))
            }
            #expect(try await http.send(.GET, "/api/v1/nothing-here", token: token).status == 404)
        }

        @Test("a run, outbox entry or lockout that does not exist is 404, naming no file")
        func missingRecordsAre404() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            let token = try await http.signIn("sup1", "9876")
            let reason = #"{"reason":"checked twice"}"#
            for (method, path, body) in [(HTTPMethod.GET, "/api/v1/results/999999", nil as String?),
                                         (.POST, "/api/v1/results/999999/void", reason),
                                         (.POST, "/api/v1/queue/999999/retry", nil),
                                         (.POST, "/api/v1/qc/lockouts/999999/acknowledge", reason)] {
                let answer = try await http.send(method, path, body: body, token: token)
                #expect(answer.status == 404, "\(method) \(path) gave \(answer.status): \(answer.body)")
                #expect(answer.message.contains("999999"))
                #expect(!answer.body.contains(kiosk.database) && !answer.body.contains(".sqlite"), "\(answer.body)")
            }
        }

        @Test("query values outside what the document allows are 400, not clamped or ignored")
        func badQueryValues() async throws {
            let http = KioskClient(base: try SharedKiosk.kiosk().baseURL)
            let token = try await http.signIn("op1", "1234")
            for path in ["/api/v1/results?limit=0", "/api/v1/results?limit=501", "/api/v1/results?limit=ten",
                         "/api/v1/results?limit=-3", "/api/v1/queue?all=yes", "/api/v1/queue?all=1"] {
                let answer = try await http.send(.GET, path, token: token)
                #expect(answer.status == 400, "\(path) gave \(answer.status)")
            }
            for path in ["/api/v1/results?limit=1", "/api/v1/results?limit=500", "/api/v1/queue?all=true", "/api/v1/queue?all=false"] {
                #expect(try await http.send(.GET, path, token: token).status == 200, "\(path)")
            }
        }
    }
}
