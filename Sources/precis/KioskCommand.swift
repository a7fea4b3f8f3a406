import ArgumentParser
import Foundation
import PrecisCore
import PrecisKiosk
import PrecisRuntime

/// `precis kiosk`: the headless service with the touchscreen page and the HTTP API.
struct KioskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiosk", abstract: "Run the kiosk service: the touchscreen page, /api/v1, /metrics and the uploader.",
        subcommands: [KioskServeCommand.self, KioskInstallUnitCommand.self], defaultSubcommand: KioskServeCommand.self)
}

/// `precis kiosk [serve]`: runs until SIGTERM.
struct KioskServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the page and the API until SIGTERM (the default).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port (0: any free port; the one chosen is printed).")
    var port = 8080

    @Option(help: "Seconds a stop lets runs in progress finish before aborting them.")
    var drainSeconds = 20

    @Option(help: "Seconds a session lasts without a request.")
    var idleSeconds = 900

    @Option(help: "Seconds sign-in stays locked after 5 wrong PINs.")
    var lockoutSeconds = 300

    @Flag(help: "Training mode: offer simulated (sim:) and replayed (replay:) instruments; every screen says so.")
    var training = false

    mutating func validate() throws {
        try Check.whole(port, "--port", in: 0...65_535)
        try Check.whole(drainSeconds, "--drain-seconds", in: 0...3600)
        try Check.whole(idleSeconds, "--idle-seconds", in: 1...86_400)
        try Check.whole(lockoutSeconds, "--lockout-seconds", in: 1...86_400)
    }

    func run() async throws {
        GlobalOptions.bootstrapLogging(verbose: global.verbose, otherwise: .info)
        let runtime = try global.runtime()
        var settings = KioskConfiguration()
        settings.host = host
        settings.port = port
        settings.drainTimeout = .seconds(drainSeconds)
        settings.sessionIdleTimeout = .seconds(idleSeconds)
        settings.signInLockout = .seconds(lockoutSeconds)
        settings.training = training
        let kiosk = Kiosk(runtime: runtime, configuration: settings)
        try await guarded {
            try await kiosk.run { port in
                print("precis kiosk: listening on http://\(host):\(port) (store \(runtime.store.path))"
                      + (training ? " in TRAINING mode: simulated and replayed instruments offered" : ""))
                Terminal.flush()
            }
        }
    }
}

/// `precis kiosk install-unit`: writes the systemd unit.
struct KioskInstallUnitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install-unit",
        abstract: "Write precis-kiosk.service (Type=notify, watchdog, Restart=on-failure) for systemd.")

    @Option(help: "Where to write it.")
    var prefix = "/etc/systemd/system"

    @Option(help: "The store the service uses.")
    var db: String?

    @Option(help: "The port the service listens on.")
    var port = 8080

    mutating func validate() throws { try Check.whole(port, "--port", in: 1...65_535) }

    func run() throws {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var arguments = ["--port", String(port)]
        if let db { arguments += ["--db", URL(fileURLWithPath: db).path] }
        let path = try guarded {
            try StoreFileGuard.forStore(db).admit(prefix + "/precis-kiosk.service", as: "--prefix")
            return try Kiosk.installUnit(into: prefix, executable: executable, arguments: arguments)
        }
        print("wrote \(path)")
        print("then: systemctl daemon-reload && systemctl enable --now precis-kiosk")
    }
}

/// `precis operator`: who may sign in to the kiosk.
struct OperatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator", abstract: "Add kiosk operators and list them.",
        subcommands: [OperatorAddCommand.self, OperatorListCommand.self])
}

/// `precis operator add ID --role supervisor`: the PIN is read from stdin, never from the command line.
struct OperatorAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add an operator (or set a new PIN and role); the PIN is read from stdin.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The operator id they sign in with.")
    var id: String

    @Option(help: "operator or supervisor (only a supervisor lifts QC lockouts and voids results).")
    var role = "operator"

    @Flag(help: "Read the PIN as one line from stdin without prompting (the default when stdin is not a terminal).")
    var pinStdin = false

    func run() throws {
        let runtime = try global.runtime()
        guard let role = Role(rawValue: role) else { throw fail(PrecisError(.input, "--role is operator or supervisor")) }
        let pin = readPIN()
        let actor = ProcessInfo.processInfo.environment["USER"] ?? "bench"
        try guarded { try Operators(store: runtime.store).add(id: id, role: role, pin: pin, actor: actor) }
        print("operator \(id) (\(role.rawValue)) saved")
    }

    private func readPIN() -> String {
        if !pinStdin, isatty(STDIN_FILENO) == 1, let entered = getpass("PIN for \(id): ") {
            return String(cString: entered)
        }
        return (readLine(strippingNewline: true) ?? "").trimmingCharacters(in: .whitespaces)
    }
}

/// `precis operator list`.
struct OperatorListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the operators and their roles.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let runtime = try global.runtime()
        for entry in try guarded({ try runtime.store.operatorRoles() }) { print("\(entry.id)\t\(entry.role)") }
    }
}
