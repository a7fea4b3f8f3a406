import ArgumentParser
import Foundation
import Logging
import PrecisCore
import PrecisRuntime

/// The bench technician's command line. It parses arguments and calls the runtime; nothing else.
@main
struct Precis: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precis",
        abstract: "Drive point-of-care readers, keep every run, queue results for the regional centre.",
        discussion: """
            Exit codes: 0 done, 2 bad input, 3 calibration problem, 4 store problem, 5 instrument problem,
            6 run aborted, 7 result invalid, 8 held by quality control, 1 anything else.
            """,
        version: "precis " + Installation.version,
        subcommands: [DevicesCommand.self, RunCommand.self, RecordCommand.self, ResultsCommand.self, QueueCommand.self,
                      UploadCommand.self, ExportCommand.self, AuditCommand.self, QCCommand.self, AnalyzeCommand.self, FitCommand.self, CalibrateCommand.self, DoctorCommand.self, UdevRulesCommand.self, EventsCommand.self,
                      KioskCommand.self, OperatorCommand.self, KeysCommand.self])

    /// Parses, runs and exits by the command line's contract (one line and exit 2 for a bad argument).
    static func main() async {
        Installation.prepareProcess()
        await CommandLineContract.main(self, arguments: Array(CommandLine.arguments.dropFirst()))
    }
}

/// Options every verb takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The store (default: $PRECIS_DB or ~/.local/share/precis/precis.sqlite).")
    var db: String?

    @Option(name: .long, help: "The folder with assays/ and lots/ (default: found beside Precis).")
    var calibrationDir: String?

    @Option(name: .long, help: "The configuration: where results go (default: $PRECIS_CONFIG or ~/.config/precis/config.json).")
    var config: String?

    @Flag(name: .long, help: "Print JSON on stdout instead of text.")
    var json = false

    @Flag(name: .shortAndLong, help: "Log what the drivers and runtime do, on stderr.")
    var verbose = false

    /// Sets up logging and opens the runtime, turning failures into one line and an exit code.
    /// Standard output redirected onto the store is refused before the store is opened.
    func runtime() throws -> Runtime {
        Self.bootstrapLogging(verbose: verbose)
        return try guarded {
            try StoreFileGuard.forStore(db).admit(descriptor: STDOUT_FILENO, as: "standard output")
            return try Runtime.open(databasePath: db, calibrationDirectory: calibrationDir, configPath: config)
        }
    }

    /// Refuses (exit 2, one line) any of `paths` that is the store (`--db` or the default) or one of
    /// its SQLite files, for the commands that read or write files without opening the store.
    func admit(_ paths: [(path: String?, role: String)]) throws {
        try guarded { try StoreFileGuard.forStore(db).admit(paths) }
    }

    nonisolated(unsafe) private static var bootstrapped = false

    static func bootstrapLogging(verbose: Bool, otherwise quiet: Logger.Level = .critical) {
        guard !bootstrapped else { return }
        bootstrapped = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : quiet
            return handler
        }
    }
}

/// Runs `body`; a `PrecisError` becomes one line on stderr and the exit code of its kind.
func guarded<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as PrecisError { throw fail(error) }
}

/// Async `guarded`.
func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as PrecisError { throw fail(error) }
}

/// Prints `error` as one line and returns the exit code to throw.
func fail(_ error: PrecisError) -> ExitCode {
    Terminal.errorLine("precis: \(error.message)" + (error.hint.map { " — \($0)" } ?? ""))
    return ExitCode(exitCode(error.kind))
}

/// The exit code of an error kind (see `precis --help`).
func exitCode(_ kind: ErrorKind) -> Int32 {
    switch kind {
    case .input, .notFound, .conflict: 2
    case .calibration: 3
    case .storage: 4
    case .qualityControl: 8
    case .disconnected, .timeout, .stall, .busy, .protocol, .deviceFault, .permission: 5
    case .other: 1
    }
}
