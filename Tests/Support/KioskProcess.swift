import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `precis kiosk` started as a child process on a free port with its own store, for the
/// kiosk's API, SIGTERM and browser tests. Call `kill()` (SIGKILL) when done.
public final class KioskProcess: @unchecked Sendable {
    /// The store it uses.
    public let database: String
    /// `http://127.0.0.1:PORT`.
    public private(set) var baseURL = ""
    /// The child.
    public let process = Process()
    private let lock = NSLock()
    private var output = ""
    private var errors = ""

    /// Makes a fresh store with `operators` (id, role, PIN) added through `precis operator add`,
    /// then starts `precis kiosk --port 0` with `arguments` and waits until it listens.
    public init(operators: [(String, String, String)] = [("op1", "operator", "1234"), ("sup1", "supervisor", "9876")],
                arguments: [String] = [], environment: [String: String] = [:], database: String? = nil) throws {
        self.database = database ?? TestPaths.temporaryDirectoryPath("precis-kiosk") + "/precis.sqlite"
        let calibration = TestPaths.root.appendingPathComponent("Calibration").path
        let env = ["PRECIS_DB": self.database, "PRECIS_CALIBRATION": calibration, "PRECIS_CONFIG": ""]
        for (id, role, pin) in operators {
            let added = try runProcess(TestPaths.precis.path, ["operator", "add", id, "--role", role, "--pin-stdin"],
                                       environment: env, input: pin + "\n")
            guard added.status == 0 else { throw KioskProcessError(message: "operator add failed: \(added.stderr)") }
        }
        process.executableURL = TestPaths.precis
        process.arguments = ["kiosk", "--port", "0"] + arguments
        var merged = ProcessInfo.processInfo.environment
        for (k, v) in env { merged[k] = v }
        for (k, v) in environment { merged[k] = v }
        process.environment = merged
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        out.fileHandleForReading.readabilityHandler = { [weak self] h in
            let text = String(decoding: h.availableData, as: UTF8.self)
            self?.lock.withLock { self?.output += text }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] h in
            let text = String(decoding: h.availableData, as: UTF8.self)
            self?.lock.withLock { self?.errors += text }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let range = stdout.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                baseURL = String(stdout[range])
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill()
        throw KioskProcessError(message: "precis kiosk did not start: \(stderr)")
    }

    /// Starts one as `init` does, off Swift's cooperative threads (starting and waiting block a
    /// thread; two blocked cooperative threads would stall every other test on a 2-core box).
    public static func launch(operators: [(String, String, String)] = [("op1", "operator", "1234"), ("sup1", "supervisor", "9876")],
                              arguments: [String] = [], environment: [String: String] = [:],
                              database: String? = nil) async throws -> KioskProcess {
        nonisolated(unsafe) let operators = operators
        return try await offCooperativePool {
            try KioskProcess(operators: operators, arguments: arguments, environment: environment, database: database)
        }
    }

    /// `wait(seconds:)` off the cooperative threads.
    public func waitForExit(seconds: Double) async -> Int32? {
        (try? await offCooperativePool { self.wait(seconds: seconds) }) ?? nil
    }

    /// What it printed on stdout so far.
    public var stdout: String { lock.withLock { output } }
    /// What it printed on stderr so far.
    public var stderr: String { lock.withLock { errors } }

    /// Sends `signal` (SIGTERM to stop it gracefully).
    public func signal(_ signal: Int32) { Glibc.kill(process.processIdentifier, signal) }

    /// Waits for it to exit, at most `seconds`; its status, or nil if it still runs.
    public func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGKILL, if still running.
    public func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// Runs blocking `work` on a Dispatch thread and awaits it.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// The kiosk child failed to start.
public struct KioskProcessError: Error, CustomStringConvertible {
    /// What happened.
    public let message: String
    /// The message.
    public var description: String { message }
    /// Makes one.
    public init(message: String) { self.message = message }
}

extension TestPaths {
    /// A new temporary folder's path.
    public static func temporaryDirectoryPath(_ prefix: String) -> String {
        (try? temporaryFolder(prefix).path) ?? NSTemporaryDirectory() + "/\(prefix)-\(UUID().uuidString)"
    }
}
