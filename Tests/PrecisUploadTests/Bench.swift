import Foundation
import PrecisTestSupport

/// A bench box for the CLI tests: its own store, its own configuration (or none), and the
/// `precis` binary run against them as a technician would.
struct Bench {
    let folder: URL
    let db: String
    /// The configuration file, or nil: then no destination is configured.
    var config: String?

    init(_ name: String) throws {
        folder = try TestPaths.temporaryFolder(name)
        db = folder.appendingPathComponent("precis.sqlite").path
    }

    /// Runs `precis arguments --db DB [--config CONFIG]`; the user's own configuration folder
    /// is replaced by an empty one so that nothing on this machine leaks in.
    func precis(_ arguments: [String]) throws -> Invocation {
        var all = arguments + ["--db", db]
        if let config { all += ["--config", config] }
        return try runProcess(TestPaths.precis.path, all, environment: [
            "PRECIS_CALIBRATION": TestPaths.root.appendingPathComponent("Calibration").path,
            "XDG_CONFIG_HOME": folder.appendingPathComponent("no-config").path,
            "PRECIS_CONFIG": "",
        ])
    }

    /// Runs `precis` as `precis(_:)` does but on a pseudo-terminal (util-linux `script`), as a
    /// technician at the bench would: its stdout is everything the terminal showed, stderr included.
    func precisOnTerminal(_ arguments: [String]) throws -> Invocation {
        var all = [TestPaths.precis.path] + arguments + ["--db", db]
        if let config { all += ["--config", config] }
        let command = all.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try runProcess("/usr/bin/script", ["-q", "-e", "-f", "-c", command, "/dev/null"], environment: [
            "PRECIS_CALIBRATION": TestPaths.root.appendingPathComponent("Calibration").path,
            "XDG_CONFIG_HOME": folder.appendingPathComponent("no-config").path,
            "PRECIS_CONFIG": "", "TERM": "xterm",
        ])
    }

    /// A simulated CRP run, fast; `options` are extra simulator options (`ratio=0`, `control=0`).
    func run(sample: String, patient: String? = nil, options: String = "", verbose: Bool = false) throws -> Invocation {
        var arguments = ["run", "--device", "sim:lfr?reading-ms=0" + options, "--assay", "crp", "--sample", sample, "--json"]
        if let patient { arguments += ["--patient", patient] }
        if verbose { arguments.append("-v") }
        return try precis(arguments)
    }

    /// Writes a configuration: the centre at `centre` (plain HTTP), an LIS drop folder when
    /// `lisFolder` is given, and short retries. Both are test systems (`"production": false`)
    /// unless `production`: the bench runs simulated readers, whose results production refuses.
    mutating func configure(centre: String, lisFolder: URL? = nil, production: Bool = false) throws {
        var configuration: [String: Any] = [
            "site": "ward7-bench2",
            "centre": ["baseURL": centre, "timeoutSeconds": 3, "production": production],
            "upload": ["baseSeconds": 0.2, "capSeconds": 1, "leaseSeconds": 5],
        ]
        if let lisFolder {
            try FileManager.default.createDirectory(at: lisFolder, withIntermediateDirectories: true)
            configuration["lis"] = ["dropFolder": lisFolder.path, "application": "LIS", "facility": "HOSP", "production": production]
        }
        let url = folder.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: configuration).write(to: url)
        config = url.path
    }

    /// `precis upload --now` until nothing waits (at most `passes` times); every invocation.
    func uploadUntilDrained(passes: Int = 30, verbose: Bool = false) throws -> [Invocation] {
        var invocations: [Invocation] = []
        for _ in 0..<passes {
            invocations.append(try precis(["upload", "--now"] + (verbose ? ["-v"] : [])))
            let queue = try precis(["queue", "--json"])
            if (try queue.json() as? [Any])?.isEmpty == true { break }
            Thread.sleep(forTimeInterval: 0.3)
        }
        return invocations
    }
}
