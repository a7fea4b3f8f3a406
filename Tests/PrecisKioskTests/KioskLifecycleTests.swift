import Foundation
import Glibc
import NIOHTTP1
import PrecisStore
import Testing

extension KioskTests {
    /// The kiosk as a service: SIGTERM during a run, sd_notify, the systemd unit, restarts.
    @Suite("Kiosk service: SIGTERM, sd_notify, systemd unit", .serialized)
    struct KioskLifecycleTests {
        /// Starts a slow run (40 ms a reading, 501 readings) and waits until `readings` arrived.
        private func slowRun(_ kiosk: KioskProcess, readings: Int) async throws -> (KioskClient, String, String) {
            let http = KioskClient(base: kiosk.baseURL)
            let token = try await http.signIn("op1", "1234")
            let started = try await http.send(.POST, "/api/v1/runs",
                                              body: #"{"device":"sim:lfr?reading-ms=40","assay":"crp","sample":"S-0201"}"#, token: token)
            #expect(started.status == 202, "\(started.body)")
            let ticket = try #require(try started.json()["ticket"] as? String)
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                let runs = try await http.send(.GET, "/api/v1/runs", token: token).array()
                if let run = runs.first(where: { $0["ticket"] as? String == ticket }), (run["received"] as? Int ?? 0) >= readings { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            return (http, token, ticket)
        }

        @Test("SIGTERM during a run with no drain time: the run is ABORTED with its partial trace, the store consistent")
        func sigtermAbortsAndRecords() async throws {
            let kiosk = try await KioskProcess.launch(arguments: ["--training", "--drain-seconds", "0"])
            defer { kiosk.kill() }
            _ = try await slowRun(kiosk, readings: 40)
            kiosk.signal(SIGTERM)
            let status = await kiosk.waitForExit(seconds: 30)
            #expect(status == 0, "exit status \(String(describing: status)); stderr: \(kiosk.stderr)")
            let store = try Store(path: kiosk.database)
            #expect(try store.runsStillRunning().isEmpty)
            let run = try #require(try store.runs(limit: 1).first)
            #expect(run.status == .aborted)
            #expect(run.errorMessage?.contains("interrupted") == true, "\(run.errorMessage ?? "")")
            let trace = try #require(try store.rawTrace(forRun: run.id))
            #expect(trace.profile.count >= 40 && trace.profile.count < 501 && !trace.complete)
            #expect(try store.result(forRun: run.id) == nil)
            #expect(try store.verifyAudit().intact)
            #expect(try store.auditEntries(entity: "run", entityID: String(run.id)).contains { $0.action == "status RUNNING -> ABORTED" })
        }

        @Test("SIGTERM during a run with drain time: the run finishes, is stored and queued, then the kiosk exits 0")
        func sigtermLetsRunFinish() async throws {
            let kiosk = try await KioskProcess.launch(arguments: ["--training", "--drain-seconds", "60"])
            defer { kiosk.kill() }
            _ = try await slowRun(kiosk, readings: 20)
            kiosk.signal(SIGTERM)
            let status = await kiosk.waitForExit(seconds: 60)
            #expect(status == 0, "stderr: \(kiosk.stderr)")
            let store = try Store(path: kiosk.database)
            let run = try #require(try store.runs(limit: 1).first)
            #expect(run.status == .completed)
            #expect(try store.result(forRun: run.id)?.status == .final)
            #expect(try store.outbox().count == 1)
            #expect(try store.verifyAudit().intact)
        }

        @Test("a kiosk killed mid-run (SIGKILL) is restart-safe: the next start records the run as ABORTED")
        func restartAfterKill() async throws {
            let first = try await KioskProcess.launch(arguments: ["--training"])
            _ = try await slowRun(first, readings: 10)
            first.kill()
            let second = try await KioskProcess.launch(operators: [], arguments: ["--training"], database: first.database)
            defer { second.kill() }
            let store = try Store(path: first.database)
            #expect(try store.runsStillRunning().isEmpty)
            #expect(try store.runs(limit: 1).first?.status == .aborted)
        }

        @Test("sd_notify: READY=1 once listening, WATCHDOG=1 while alive, STOPPING=1 on SIGTERM")
        func notifiesSystemd() async throws {
            let folder = try TestPaths.temporaryFolder("precis-notify")
            let path = folder.appendingPathComponent("notify.sock").path
            let socket = try DatagramSocket(path: path)
            defer { socket.close() }
            let kiosk = try await KioskProcess.launch(arguments: ["--training"], environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"])
            defer { kiosk.kill() }
            var messages: [String] = []
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, messages.filter({ $0.contains("WATCHDOG=1") }).count < 2 {
                if let m = socket.receive(timeoutMS: 0) { messages.append(m) } else { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(messages.first?.contains("READY=1") == true, "\(messages)")
            #expect(messages.filter { $0.contains("WATCHDOG=1") }.count >= 2, "\(messages)")
            kiosk.signal(SIGTERM)
            var stopping = false
            let end = Date().addingTimeInterval(10)
            while Date() < end, !stopping {
                if let m = socket.receive(timeoutMS: 0) {
                    stopping = m.contains("STOPPING=1")
                } else {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(stopping)
            #expect(await kiosk.waitForExit(seconds: 20) == 0)
        }

        @Test("precis kiosk install-unit writes a Type=notify unit with a watchdog and Restart=on-failure")
        func installsUnit() throws {
            let folder = try TestPaths.temporaryFolder("precis-unit")
            let result = try runProcess(TestPaths.precis.path, ["kiosk", "install-unit", "--prefix", folder.path,
                                                                "--db", "/var/lib/precis/precis.sqlite", "--port", "8081"])
            #expect(result.status == 0, "\(result.stderr)")
            let unit = try String(contentsOf: folder.appendingPathComponent("precis-kiosk.service"), encoding: .utf8)
            for line in ["Type=notify", "Restart=on-failure", "WatchdogSec=30", "KillSignal=SIGTERM"] {
                #expect(unit.contains(line), "\(line)")
            }
            let exec = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=/") })
            #expect(exec.hasSuffix(" kiosk --port 8081 --db /var/lib/precis/precis.sqlite"), "\(exec)")
            #expect(!unit.contains("@PRECIS@") && !unit.contains("@ARGS@"))
        }
    }
}

/// A bound unix datagram socket standing in for systemd's notify socket.
final class DatagramSocket {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw KioskProcessError(message: "cannot bind \(path): errno \(errno)") }
    }

    /// One datagram, or nil after `timeoutMS`.
    func receive(timeoutMS: Int32) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMS) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    func close() { Glibc.close(fd) }
}
