import Foundation

/// Where the repository's files are, found from this source file's path.
enum Repo {
    /// The repository root.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// A fixture under `Tests/Conformance/Fixtures`.
    static func fixture(_ path: String) -> URL {
        root.appendingPathComponent("Tests/Conformance/Fixtures").appendingPathComponent(path)
    }
    /// A reference script under `Tests/Conformance/python`.
    static func script(_ name: String) -> URL {
        root.appendingPathComponent("Tests/Conformance/python").appendingPathComponent(name)
    }
}

/// Failure of a reference tool: the script's exit status and what it wrote to stderr.
struct ReferenceToolError: Error, CustomStringConvertible {
    let description: String
}

/// Runs a Python reference script from the project's virtual environment (`make venv`)
/// with `arguments`, feeding `input` on stdin, and returns its stdout.
///
/// The interpreter is `$PRECIS_PYTHON` (set by `make test`), else `.venv/bin/python3`.
/// A missing interpreter is an error, never a skip: conformance must not pass silently.
func runReference(_ script: String, _ arguments: [String] = [], input: Data = Data()) throws -> Data {
    let python = ProcessInfo.processInfo.environment["PRECIS_PYTHON"]
        ?? Repo.root.appendingPathComponent(".venv/bin/python3").path
    guard FileManager.default.isExecutableFile(atPath: python) else {
        throw ReferenceToolError(description: "no Python at \(python): run `make venv` (make test does)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [Repo.script(script).path] + arguments
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let writer = Thread {
        stdin.fileHandleForWriting.write(input)
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let errorData = Data()
    nonisolated(unsafe) var errors = errorData
    let errorReader = Thread { errors = stderr.fileHandleForReading.readDataToEndOfFile() }
    errorReader.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while errorReader.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
    guard process.terminationStatus == 0 else {
        throw ReferenceToolError(description:
            "\(script) exited \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
    }
    return output
}
