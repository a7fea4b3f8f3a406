import Foundation
import Logging
import PrecisCore
import PrecisFormats
import PrecisStore

/// Precis wired up: the store, the calibrations, the clock and where results go. The CLI
/// and the kiosk each make one and call it; neither does I/O of its own beyond that.
public final class Runtime: Sendable {
    /// The local store.
    public let store: Store
    /// Assay definitions and lots.
    public let catalog: CalibrationCatalog
    /// The time now (tests give their own).
    public let clock: @Sendable () -> Date
    /// Where every result is queued for delivery.
    public let destinations: [String]
    /// Where the runtime logs.
    public let logger: Logger
    /// `pid@host;boot=…;start=…` (a `RunOwner`), marking the runs this process owns.
    public let owner: String
    /// Where results go and what this box is called.
    public let configuration: PrecisConfiguration
    /// Refuses any file a user names that is the store or one of its SQLite files.
    public let files: StoreFileGuard

    /// Wires a runtime.
    public init(store: Store, catalog: CalibrationCatalog, clock: @escaping @Sendable () -> Date = { Date() },
                configuration: PrecisConfiguration = PrecisConfiguration(), logger: Logger = Logger(label: "precis.runtime")) {
        self.store = store
        self.catalog = catalog
        self.clock = clock
        self.configuration = configuration
        self.destinations = configuration.destinations
        self.logger = logger
        files = StoreFileGuard(storePath: store.path)
        owner = RunOwner.current().text
    }

    /// Opens the store at `databasePath` and the calibrations (found as `Paths` says), then
    /// closes out runs that a crashed or killed Precis left RUNNING.
    public static func open(databasePath: String? = nil, calibrationDirectory: String? = nil, configPath: String? = nil,
                            logger: Logger = Logger(label: "precis.runtime")) throws -> Runtime {
        let files = StoreFileGuard.forStore(databasePath)
        try files.admit(PrecisConfiguration.location(explicit: configPath).path, as: "the configuration")
        let configuration = try PrecisConfiguration.load(explicit: configPath)
        try files.admit(configuration.files)
        let store = try Store(path: files.storePath)
        let catalog = CalibrationCatalog(directory: try Paths.calibrationDirectory(explicit: calibrationDirectory))
        let runtime = Runtime(store: store, catalog: catalog, configuration: configuration, logger: logger)
        try runtime.recoverInterruptedRuns()
        return runtime
    }

    /// Marks ABORTED every RUNNING run whose process is gone (power cut, crash, SIGKILL),
    /// keeping what raw data it stored. Runs of live processes are left alone.
    public func recoverInterruptedRuns() throws {
        try recoverInterruptedSequencingRuns()   // first: their reads files are finished before the run is closed
        for run in try store.runsStillRunning() where !Self.isAlive(owner: run.owner) {
            let error = PrecisError(.other, "Precis stopped during the run (power cut, crash or kill)",
                                    hint: "repeat the run with a new cartridge")
            try store.abortRun(run.id, error: error, partial: nil, linkReport: nil, at: clock())
            logger.warning("run \(run.id) was left RUNNING by \(run.owner); recorded as ABORTED")
        }
    }

    /// Whether the process named by a run's owner still runs (see `RunOwner.isAlive`; a run
    /// owned by another host is assumed alive: its own Precis will close it).
    static func isAlive(owner: String) -> Bool { RunOwner(owner)?.isAlive() ?? false }
}
