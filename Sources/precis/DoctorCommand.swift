import ArgumentParser
import PrecisRuntime

/// `precis doctor`: what stands between this bench box and its instruments, one line each.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check libraries, udev rules, access to each instrument, the store and calibrations.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        GlobalOptions.bootstrapLogging(verbose: global.verbose)
        let checks = Doctor.run(databasePath: global.db, calibrationDirectory: global.calibrationDir)
        if global.json {
            try Terminal.printJSON(checks)
        } else {
            for check in checks {
                print("\(check.ok ? "ok     " : "PROBLEM") \(check.name): \(check.detail)" + (check.fix.map { " — \($0)" } ?? ""))
            }
        }
        if checks.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }
}
