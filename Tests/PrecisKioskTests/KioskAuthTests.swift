import Foundation
import NIOHTTP1
import Testing

extension KioskTests {
    /// Who may do what: anonymous callers, operators without the role, the page's CSRF header,
    /// the PIN rate limit, sessions that expire, malformed bodies.
    @Suite("Kiosk API: sign-in, roles, CSRF, malformed input", .serialized, .sharedKiosk)
    struct KioskAuthTests {
        /// Every endpoint that changes something, with a body it would accept.
        static let changing: [(HTTPMethod, String, String?)] = [
            (.POST, "/api/v1/runs", #"{"device":"sim:lfr","assay":"crp","sample":"S-0001"}"#),
            (.POST, "/api/v1/results/1/void", #"{"reason":"wrong sample"}"#),
            (.POST, "/api/v1/queue/1/retry", "{}"),
            (.POST, "/api/v1/qc/lockouts/1/acknowledge", #"{"reason":"control re-run"}"#),
            (.DELETE, "/api/v1/session", nil),
        ]

        @Test("every changing endpoint refuses an anonymous caller with 401")
        func anonymousIsRefused() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            for (method, path, body) in Self.changing {
                let answer = try await http.send(method, path, body: body)
                #expect(answer.status == 401, "\(method) \(path) gave \(answer.status)")
                #expect(!answer.message.isEmpty)
                let forged = try await http.send(method, path, body: body, token: "not-a-session")
                #expect(forged.status == 401, "\(method) \(path) with a made-up token gave \(forged.status)")
            }
            for path in ["/api/v1/results", "/api/v1/queue", "/api/v1/runs", "/api/v1/devices", "/api/v1/events"] {
                #expect(try await http.send(.GET, path).status == 401, "GET \(path)")
            }
        }

        @Test("supervisor-only endpoints refuse an operator with 403; a supervisor gets past the role check")
        func roleIsChecked() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            let op = try await http.signIn("op1", "1234")
            let sup = try await http.signIn("sup1", "9876")
            for path in ["/api/v1/results/1/void", "/api/v1/qc/lockouts/1/acknowledge"] {
                let answer = try await http.send(.POST, path, body: #"{"reason":"because"}"#, token: op)
                #expect(answer.status == 403, "\(path) as operator gave \(answer.status)")
                #expect(answer.message.contains("supervisor"))
                let allowed = try await http.send(.POST, path, body: #"{"reason":"because"}"#, token: sup)
                #expect(allowed.status != 401 && allowed.status != 403, "\(path) as supervisor gave \(allowed.status)")
            }
        }

        @Test("a cookie session must send X-Precis-CSRF to change anything; the cookie is HttpOnly and SameSite=Strict")
        func cookieNeedsCSRF() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            let signIn = try await http.send(.POST, "/api/v1/session", body: #"{"operator":"op1","pin":"1234"}"#)
            let cookie = try #require(signIn.headers.first(name: "Set-Cookie"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            let pair = String(cookie.split(separator: ";")[0])
            let csrf = try #require(try signIn.json()["csrf"] as? String)
            let body = #"{"device":"sim:lfr","assay":"crp","sample":"BAD SAMPLE"}"#
            let without = try await http.send(.POST, "/api/v1/runs", body: body, headers: [("Cookie", pair)])
            #expect(without.status == 403)
            let wrong = try await http.send(.POST, "/api/v1/runs", body: body, headers: [("Cookie", pair), ("X-Precis-CSRF", "nope")])
            #expect(wrong.status == 403)
            let with = try await http.send(.POST, "/api/v1/runs", body: body, headers: [("Cookie", pair), ("X-Precis-CSRF", csrf)])
            #expect(with.status == 400, "past CSRF, the name-like sample id is refused: \(with.body)")
            let page = try await http.send(.GET, "/api/v1/session", headers: [("Cookie", pair)])
            #expect(page.status == 200)
            #expect(try page.json()["token"] == nil)
            let form = try await http.send(.POST, "/api/v1/session", headers: [("Content-Type", "application/x-www-form-urlencoded")])
            #expect(form.status == 415)
        }

        @Test("five wrong PINs lock sign-in, even with the right PIN, until the lockout passes")
        func badPINsLock() async throws {
            let kiosk = try await KioskProcess.launch(arguments: ["--training", "--lockout-seconds", "3"])
            defer { kiosk.kill() }
            let http = KioskClient(base: kiosk.baseURL)
            for attempt in 1...5 {
                let answer = try await http.send(.POST, "/api/v1/session", body: #"{"operator":"op1","pin":"0000"}"#)
                #expect(answer.status == 401, "attempt \(attempt)")
            }
            let locked = try await http.send(.POST, "/api/v1/session", body: #"{"operator":"op1","pin":"1234"}"#)
            #expect(locked.status == 429)
            #expect(locked.headers.first(name: "Retry-After") != nil)
            #expect(locked.message.contains("locked"))
            let other = try await http.send(.POST, "/api/v1/session", body: #"{"operator":"sup1","pin":"9876"}"#)
            #expect(other.status == 200, "another operator is not locked out")
            try await Task.sleep(for: .seconds(3.5))
            let later = try await http.send(.POST, "/api/v1/session", body: #"{"operator":"op1","pin":"1234"}"#)
            #expect(later.status == 200)
        }

        @Test("a session expires after the idle timeout")
        func sessionsExpire() async throws {
            let kiosk = try await KioskProcess.launch(arguments: ["--training", "--idle-seconds", "3"])
            defer { kiosk.kill() }
            let http = KioskClient(base: kiosk.baseURL)
            let token = try await http.signIn("op1", "1234")
            #expect(try await http.send(.GET, "/api/v1/session", token: token).status == 200)
            try await Task.sleep(for: .seconds(4))
            #expect(try await http.send(.GET, "/api/v1/session", token: token).status == 401)
        }

        @Test("malformed JSON gets a 400 with a message")
        func malformedJSON() async throws {
            let kiosk = try SharedKiosk.kiosk()
            let http = KioskClient(base: kiosk.baseURL)
            let token = try await http.signIn("op1", "1234")
            let broken = try await http.send(.POST, "/api/v1/runs", body: #"{"device": "sim:lfr", "#, token: token)
            #expect(broken.status == 400)
            #expect(broken.message.contains("malformed JSON"), "\(broken.body)")
            let missing = try await http.send(.POST, "/api/v1/runs", body: #"{"device":"sim:lfr","assay":"crp"}"#, token: token)
            #expect(missing.status == 400 && missing.message.contains("sample"), "\(missing.body)")
            let typed = try await http.send(.POST, "/api/v1/runs", body: #"{"device":"sim:lfr","assay":7,"sample":"S-1"}"#, token: token)
            #expect(typed.status == 400 && typed.message.contains("assay"), "\(typed.body)")
            let signIn = try await http.send(.POST, "/api/v1/session", body: "not json")
            #expect(signIn.status == 400 && signIn.message.contains("malformed JSON"))
        }
    }
}
