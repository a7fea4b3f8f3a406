import ArgumentParser
import Foundation
import PrecisCore
import PrecisRuntime
import PrecisStore
import PrecisUpload

/// `precis upload --now`: deliver what is due to the configured destinations.
struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload", abstract: "Deliver queued results to the centre (FHIR) and the LIS (HL7 v2).")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Deliver what is due now, then stop.") var now = false
    @Flag(help: "Keep delivering as results become due (until stopped).") var loop = false
    @Option(parsing: .unconditional, help: "With --loop: stop after this many seconds.") var seconds: Double?

    mutating func validate() throws { try Check.number(seconds, "--seconds") }

    func run() async throws {
        // An inbox upload allocates a part-sized buffer or two per part on whichever thread runs it;
        // glibc would raise its mmap threshold after the first free and keep those in per-thread
        // arenas. A fixed threshold maps each one and returns it when freed, which keeps the
        // uploader's resident memory near its baseline.
        _ = glibcMallopt(-3, 1 << 20)       // M_MMAP_THRESHOLD (malloc.h), 1 MiB
        let runtime = try global.runtime()
        let destinations = try guarded { try runtime.makeDestinations() }
        guard !destinations.isEmpty else {
            throw fail(PrecisError(.input, "no destination is configured: results stay queued",
                                   hint: "write the centre's address into ~/.config/precis/config.json (see README)"))
        }
        let uploader = runtime.makeUploader(destinations: destinations)
        let bar = Terminal.stderrIsTTY && !global.json ? UploadProgressBar.start(runtime) : nil
        defer { bar?.stop() }
        var summary = UploadSummary()
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        repeat {
            let pass = try await guarded {
                try await uploader.runOnce(limit: 20) { line in
                    if global.json { return }
                    if let bar { bar.say(line) } else { Terminal.errorLine(line) }
                }
            }
            summary.add(pass)
            if loop, pass.delivered + pass.retrying + pass.failed == 0 { try await Task.sleep(for: .milliseconds(200)) }
            if !loop && pass.delivered + pass.retrying + pass.failed == 0 { break }
            if let deadline, Date() > deadline { break }
        } while loop || now
        bar?.stop()
        for destination in destinations { await destination.shutdown() }
        if global.json { return try Terminal.printJSON(summary) }
        print("delivered \(summary.delivered), to retry \(summary.retrying), failed \(summary.failed)")
        if summary.failed > 0 { throw ExitCode(1) }
    }
}

/// `precis export fhir|hl7v2 --run ID`: exactly what would be sent.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Print exactly what would be sent for a run: fhir (a Bundle) or hl7v2 (an ORU^R01).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "fhir or hl7v2.") var format: String
    @Option(help: "The run's number.") var run: Int64
    @Option(help: "On a run of several samples (a qPCR plate): the result's number (default: the run's newest).") var result: Int64?

    mutating func validate() throws { try Check.whole(run, "--run", in: 1...Int64.max) }

    func run() async throws {
        let runtime = try global.runtime()
        let data = try guarded { try runtime.export(runID: run, resultID: result, format: format) }
        FileHandle.standardOutput.write(data)
        if format == "fhir" { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}

/// `precis audit verify`: the audit log's chain, the store's content against it, and the
/// heads the destinations acknowledged.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The append-only audit log.", subcommands: [Verify.self])

    /// `precis audit verify [--head NAME=SEQUENCE:HASH]`: exit 0 when intact; exit 4 (a store
    /// problem) when not, one `BROKEN:` line per problem on stdout and one line on stderr.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check that no audit row, and nothing the rows record, was changed, added or deleted outside Precis.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "A head a destination holds, as NAME=SEQUENCE:HASH (e.g. from the centre's records); repeatable.")
        var head: [String] = []

        func run() async throws {
            let given = try head.map { try Self.parse($0) }
            let runtime = try global.runtime()
            let verification = try guarded { try runtime.store.verifyAudit(heads: given) }
            if global.json { try Terminal.printJSON(verification) } else if verification.intact {
                print("The audit log is intact: \(verification.rows) rows, every hash chained to the one before; "
                      + "\(verification.records) stored records as their latest audit row recorded them; "
                      + "\(verification.heads) acknowledged heads still in the chain.")
            } else {
                for problem in verification.problems { print("BROKEN: \(problem)") }
            }
            guard verification.intact else {
                throw fail(PrecisError(.storage, "the store does not match its audit log (\(verification.problems.count) problems)",
                                       hint: "keep the file as evidence, restore the store from a backup and tell the centre"))
            }
        }

        static func parse(_ text: String) throws -> AcknowledgedHead {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let head = AuditHead(text: parts[1]) else {
                throw fail(PrecisError(.input, "--head takes NAME=SEQUENCE:HASH with a 64-digit hex hash",
                                       hint: "e.g. --head centre=17:3f5a… as the destination recorded it"))
            }
            return AcknowledgedHead(destination: parts[0], head: head, acknowledgedAt: nil)
        }
    }
}

/// glibc's `mallopt` (malloc.h, which the Glibc module does not bring in).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
