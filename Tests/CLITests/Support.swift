import Foundation

/// The repository root, from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `precis` binary built beside the tests.
let precisBinary: URL = {
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("precis")
    if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
    return repoRoot.appendingPathComponent(".build/debug/precis")
}()

/// What one invocation printed and returned.
struct Invocation {
    let status: Int32
    let stdout: String
    let stderr: String

    /// stdout parsed as JSON.
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

/// Runs `precis` with `arguments` and an environment pointing at a private store.
func precis(_ arguments: [String], db: String, environment: [String: String] = [:]) throws -> Invocation {
    let process = Process()
    process.executableURL = precisBinary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["PRECIS_DB"] = db
    env["PRECIS_CALIBRATION"] = repoRoot.appendingPathComponent("Calibration").path
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let collected = ErrorCollector()
    let errReader = Thread { collected.data = err.fileHandleForReading.readDataToEndOfFile(); collected.done.signal() }
    errReader.start()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    collected.done.wait()
    let stderr = collected.data
    return Invocation(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
}

/// stderr, read on its own thread so neither pipe can fill and block the child.
private final class ErrorCollector: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}

/// A path for a new store.
func newDatabase() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("precis-cli-\(UUID().uuidString)/precis.sqlite").path
}

/// Whether `text` looks like a crash or a stack trace rather than a message.
func looksLikeACrash(_ text: String) -> Bool {
    ["Fatal error", "Stack dump", "Backtrace", "SIGSEGV", "0x0000", "Swift/"].contains { text.contains($0) }
}
