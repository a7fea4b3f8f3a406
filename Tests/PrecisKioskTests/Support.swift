import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
@_exported import PrecisTestSupport

/// Every kiosk test, one at a time: each starts a kiosk process (and PBKDF2 sign-ins), and
/// on a 2-core box running them side by side starves the timing-sensitive upload tests.
@Suite("Kiosk", .serialized)
struct KioskTests {}

/// One HTTP answer.
struct Answer {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    /// The body as a JSON object.
    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
    }

    /// The body as a JSON array.
    func array() throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]] ?? []
    }

    /// `error.message`.
    var message: String {
        ((try? json())?["error"] as? [String: Any])?["message"] as? String ?? ""
    }
}

/// Real HTTP to a kiosk child.
struct KioskClient {
    let base: String

    func send(_ method: HTTPMethod, _ path: String, body: String? = nil, token: String? = nil,
              headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: buffer))
    }

    /// Signs in and returns the bearer token.
    func signIn(_ id: String, _ pin: String) async throws -> String {
        let answer = try await send(.POST, "/api/v1/session", body: #"{"operator":"\#(id)","pin":"\#(pin)"}"#)
        guard answer.status == 200, let token = try answer.json()["token"] as? String else {
            throw KioskProcessError(message: "sign-in as \(id) gave \(answer.status): \(answer.body)")
        }
        return token
    }

    /// Polls `GET /api/v1/runs` until the run with `ticket` has ended; returns it.
    func waitForRun(_ ticket: String, token: String, seconds: Double = 60) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let runs = try await send(.GET, "/api/v1/runs", token: token).array()
            if let run = runs.first(where: { $0["ticket"] as? String == ticket }),
               let phase = run["phase"] as? String, phase == "finished" || phase == "failed" {
                return run
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw KioskProcessError(message: "run \(ticket) did not finish in \(seconds) s")
    }
}

/// One kiosk process shared by the tests of a suite that need nothing special (fewer
/// processes and PBKDF2 sign-ups on a 2-core box); started before the suite, SIGKILLed after.
/// It runs in training mode: the tests drive simulated readers.
struct SharedKiosk: SuiteTrait, TestScoping {
    @TaskLocal static var current: KioskProcess?

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let kiosk = try await KioskProcess.launch(arguments: ["--training"])
        defer { kiosk.kill() }
        try await Self.$current.withValue(kiosk) { try await function() }
    }

    /// The suite's kiosk.
    static func kiosk() throws -> KioskProcess {
        guard let current else { throw KioskProcessError(message: "the suite has no .sharedKiosk trait") }
        return current
    }
}

extension Trait where Self == SharedKiosk {
    /// Starts one kiosk for the whole suite.
    static var sharedKiosk: SharedKiosk { SharedKiosk() }
}
