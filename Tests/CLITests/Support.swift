import Foundation
@_exported import PrecisTestSupport

/// The repository root.
let repoRoot = TestPaths.root

/// Runs `precis` with `arguments` and an environment pointing at a private store.
func precis(_ arguments: [String], db: String, environment: [String: String] = [:]) throws -> Invocation {
    var env = ["PRECIS_DB": db, "PRECIS_CALIBRATION": repoRoot.appendingPathComponent("Calibration").path]
    for (k, v) in environment { env[k] = v }
    return try runProcess(TestPaths.precis.path, arguments, environment: env)
}

/// A path for a new store.
func newDatabase() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("precis-cli-\(UUID().uuidString)/precis.sqlite").path
}

/// Whether `text` looks like a crash or a stack trace rather than a message.
func looksLikeACrash(_ text: String) -> Bool {
    ["Fatal error", "Stack dump", "Backtrace", "SIGSEGV", "0x0000", "Swift/"].contains { text.contains($0) }
}
