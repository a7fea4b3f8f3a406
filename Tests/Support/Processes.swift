import Foundation

/// Paths and process helpers shared by the test targets that drive binaries and scripts.
public enum TestPaths {
    /// The repository root, from this file's path.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `precis` binary built beside the tests.
    public static let precis: URL = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("precis")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        return root.appendingPathComponent(".build/debug/precis")
    }()

    /// A fresh folder under the system's temporary directory.
    public static func temporaryFolder(_ prefix: String = "precis-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// What one process printed and returned.
public struct Invocation: Sendable {
    /// The exit status.
    public let status: Int32
    /// Everything it wrote to stdout.
    public let stdout: String
    /// Everything it wrote to stderr.
    public let stderr: String

    /// stdout parsed as JSON.
    public func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

/// Runs `executable` with `arguments`, adding `environment` to this process's, and waits.
/// stdout and stderr are read on separate threads so that neither pipe can fill and block.
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                       input: String? = nil) throws -> Invocation {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdin = Pipe()
    if input != nil { process.standardInput = stdin }
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
    }
    let collected = Collector()
    let reader = Thread { collected.data = err.fileHandleForReading.readDataToEndOfFile(); collected.done.signal() }
    reader.start()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    collected.done.wait()
    return Invocation(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: collected.data, as: UTF8.self))
}

private final class Collector: @unchecked Sendable {
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
