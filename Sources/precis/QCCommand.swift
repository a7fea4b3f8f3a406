import ArgumentParser
import Foundation
import PrecisCore
import PrecisRuntime

/// `precis qc`: record control results, see what QC holds, and lift a hold as a supervisor.
struct QCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qc", abstract: "Quality control: record controls, show lockouts, acknowledge them.",
        subcommands: [Status.self, Add.self, Acknowledge.self], defaultSubcommand: Status.self)

    /// `precis qc status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show QC lockouts.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let runtime = try global.runtime()
            let status = try guarded { try runtime.qcStatus() }
            if global.json { return try Terminal.printJSON(status) }
            if status.lockouts.isEmpty { print("No assay is held by QC.") }
            for l in status.lockouts {
                print("HELD  lockout \(l.id): \(l.assay) on \(l.instrumentID), rule \(l.rules.joined(separator: ", ")), since \(l.createdAt)")
            }
            for l in status.acknowledged.prefix(5) {
                print("      lockout \(l.id): \(l.assay) on \(l.instrumentID) lifted by \(l.acknowledgedBy ?? "?") at "
                      + "\(l.acknowledgedAt ?? "?"): \(l.reason ?? "")")
            }
        }
    }

    /// `precis qc add`: a control measured elsewhere, entered by hand.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Record a QC run entered by hand.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The assay.") var assay: String
        @Option(help: "The instrument id (family:serial).") var instrument: String
        @Option(help: "The QC material lot.") var lot: String
        @Option(help: "LEVEL=VALUE, once per level measured.") var value: [String]
        @Option(name: .customLong("operator"), help: "Who measured it.")
        var operatorID: String = ProcessInfo.processInfo.environment["USER"] ?? "bench"

        func run() async throws {
            let runtime = try global.runtime()
            let report = try guarded { () throws -> QCReport in
                var values: [Int: Double] = [:]
                for item in value {
                    let parts = item.split(separator: "=")
                    guard parts.count == 2, let level = Int(parts[0]), let number = Double(parts[1]), number.isFinite else {
                        throw PrecisError(.input, "--value takes LEVEL=VALUE, e.g. 1=8.2 (got '\(item)')")
                    }
                    values[level] = number
                }
                return try runtime.recordQC(assay: assay, instrumentID: instrument, materialLot: lot, values: values,
                                            operatorID: operatorID)
            }
            if global.json { try Terminal.printJSON(report) } else {
                let rules = report.violations.map { "\($0.rule.rawValue)\($0.rejects ? "" : " (warning)")" }.joined(separator: ", ")
                print("QC run \(report.qcRunId): " + (report.accepted ? "accepted" : "REJECTED") + (rules.isEmpty ? "" : " — \(rules)"))
                if let lockout = report.lockout {
                    print("\(report.assay) is now held on \(report.instrument) (lockout \(lockout.id)): no patient samples until a supervisor acknowledges it")
                }
            }
            if !report.accepted { throw ExitCode(8) }
        }
    }

    /// `precis qc acknowledge ID`: a supervisor lifts a hold, with a reason.
    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "acknowledge", abstract: "Lift a QC lockout (supervisors).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The lockout's id (precis qc status).") var id: Int64
        @Option(help: "The supervisor's id.") var supervisor: String
        @Option(help: "What was found and done.") var reason: String

        mutating func validate() throws { try Check.whole(id, "the lockout's id", in: 1...Int64.max) }

        func run() async throws {
            let runtime = try global.runtime()
            let lockout = try guarded { try runtime.acknowledgeLockout(id: id, supervisor: supervisor, reason: reason) }
            if global.json { return try Terminal.printJSON(lockout) }
            print("Lockout \(lockout.id) lifted: \(lockout.assay) on \(lockout.instrumentID) may run patient samples again.")
        }
    }
}
