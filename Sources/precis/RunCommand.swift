import ArgumentParser
import Foundation
import PrecisCore
import PrecisRuntime

/// What a run needs, shared by `run` and `record`.
struct RunOptions: ParsableArguments {
    @Option(help: "The instrument: sim:lfr[?options], usb:SERIAL, replay:FILE.jsonl (see `precis devices`).")
    var device: String

    @Option(help: "The assay id (a file in Calibration/assays/); for a sequencer (sim:nps, usb:NPS-…) nanopore-run, the default.")
    var assay: String?

    @Option(parsing: .unconditional, help: "The pseudonymous sample id, e.g. S-0001.")
    var sample: String?

    @Option(help: "Run a QC control instead of a sample: LOT:LEVEL (Calibration/qc/LOT.json), e.g. QC-CRP-2609:1.")
    var qc: String?

    @Option(parsing: .unconditional, help: "The pseudonymous patient id, when the lab gives one.")
    var patient: String?

    @Option(help: "Use this lot's calibration instead of the one in the cartridge's code.")
    var lot: String?

    @Option(name: .customLong("operator"), parsing: .unconditional, help: "Who runs it.")
    var operatorID: String = ProcessInfo.processInfo.environment["USER"] ?? "bench"

    @Option(parsing: .unconditional, help: "Seconds to wait for a cartridge when the slot is empty.")
    var waitCartridge: Int = 60

    @Option(help: "qPCR: the plate's layout CSV: well,sample,type[,quantity,unit,patient] (types unkn, std, ntc, pos, …).")
    var layout: String?

    @Option(parsing: .unconditional, help: "qPCR: the plate's id (default PLATE- and 6 random hex digits).")
    var plate: String?

    @Option(help: "Sequencer: where to write the reads (.blow5 or .slow5); default reads/ next to the database.")
    var output: String?

    @Option(parsing: .unconditional, help: "Sequencer: seconds of signal to take (default: until the sequencer's playback ends).")
    var duration: Double?

    @Option(parsing: .unconditional, help: "Sequencer: bias voltage in mV (−300…300).")
    var bias: Int = -180

    mutating func validate() throws {
        try Check.whole(waitCartridge, "--wait-cartridge", in: 0...86_400)
        try Check.number(duration, "--duration", above: true)
        try Check.whole(bias, "--bias", in: -300...300)
    }

    /// The QC control named by `--qc LOT:LEVEL`, if any.
    func qcSample() throws -> QCSample? {
        guard let qc else { return nil }
        let parts = qc.split(separator: ":")
        guard parts.count == 2, let level = Int(parts[1]), level > 0 else {
            throw PrecisError(.input, "--qc takes LOT:LEVEL, e.g. QC-CRP-2609:1")
        }
        return QCSample(materialLot: String(parts[0]), level: level)
    }

    /// Runs the assay, prints the outcome, and exits 6 for ABORTED and 7 for INVALID.
    func perform(_ global: GlobalOptions, recording: URL?) async throws {
        let runtime = try global.runtime()
        guard let assay, (try? runtime.catalog.assay(assay))?.family != "nps" else {
            return try await SequencingRun(options: self).perform(global, runtime: runtime, recording: recording)
        }
        let bar = ProgressBar(label: layout == nil ? "Reading strip" : "Cycling")
        let human = !global.json && Terminal.stderrIsTTY   // stage lines are progress: terminals only
        let control = try guarded { try qcSample() }
        if layout != nil, sample != nil {
            throw fail(PrecisError(.input, "a plate's samples are in its layout: give --plate ID, not --sample"))
        }
        // Not a date: an id with a date in it is refused as a possible birth date.
        let plateID = layout.map { _ in plate ?? "PLATE-" + UUID().uuidString.prefix(6) }
        guard control != nil || sample != nil || plateID != nil else {
            throw fail(PrecisError(.input, "give --sample ID (or --qc LOT:LEVEL, or --layout plate.csv for a qPCR plate)"))
        }
        var request = RunRequest(device: device, assay: assay, sample: plateID ?? sample ?? "", patient: patient, lot: lot,
                                 operatorID: operatorID, cartridgeWait: .seconds(waitCartridge), recording: recording,
                                 qc: control, layout: layout.map { URL(fileURLWithPath: $0) })
        request.operatorSteps = Self.confirmOnStandardInput
        let report = try await guarded {
            try await runtime.run(request) { event in
                if case let .progress(received, total) = event { bar.update(done: received, total: total) }
                if human { RunPrinter.event(event) }
            }
        }
        bar.finish()
        if global.json { try Terminal.printJSON(report) } else { RunPrinter.report(report) }
        if let recording, !global.json { Terminal.errorLine("Recorded the session to \(recording.path) (replay:\(recording.path))") }
        switch report.status {
        case .aborted: throw ExitCode(6)
        case .invalid: throw ExitCode(7)
        default: break
        }
    }
}

extension RunOptions {
    /// The operator at the bench: each step of a run on a real instrument (an absorbance run's
    /// dark, blank and sample) is printed on stderr and confirmed with Enter on stdin (a line:
    /// a script can pipe them); stdin at its end is an operator who cannot confirm.
    @Sendable static func confirmOnStandardInput(_ step: OperatorStep) async throws {
        // On a terminal the run's own step line has just said what to do (`RunPrinter.event`).
        Terminal.errorLine(Terminal.stderrIsTTY ? "           … then press Enter"
                           : "Step \(step.number)/\(step.of)   \(step.instruction), then press Enter")
        let line = await Task.detached { readLine(strippingNewline: true) }.value
        guard line != nil else {
            throw PrecisError(.input, "step \(step.number) (\(step.instruction)) was not confirmed: standard input ended",
                              hint: "run it at the terminal, or give one line on stdin per step")
        }
    }
}

/// `precis run`: one assay on one instrument, from cartridge to queued result.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run an assay on an instrument and store (and queue) its result.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: RunOptions

    @Option(help: "Also write a replayable trace of the session with the instrument to this file.")
    var record: String?

    func run() async throws {
        try await options.perform(global, recording: record.map { URL(fileURLWithPath: $0) })
    }
}

/// `precis record OUTPUT`: a run whose whole session with the instrument is written to OUTPUT,
/// so that a session with real hardware can be replayed later by the simulator and by tests.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Run an assay and record the session with the instrument (replay it with replay:FILE).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: RunOptions

    @Argument(help: "Where to write the trace (JSON lines).")
    var output: String

    func run() async throws {
        try await options.perform(global, recording: URL(fileURLWithPath: output))
    }
}

/// How a run reads on the terminal.
enum RunPrinter {
    static func event(_ event: RunEvent) {
        switch event {
        case .connected(let id):
            Terminal.errorLine("Reader     \(id.serial) (\(id.family), firmware \(id.firmware))")
        case .waitingForCartridge:
            Terminal.errorLine("Insert a cartridge…")
        case let .cartridge(id, lot):
            Terminal.errorLine("Cartridge  \(id) · lot \(lot.lot) v\(lot.version), expires \(lot.expiry)")
        case .started(let runID):
            Terminal.errorLine("Run        \(runID) started")
        case .step(let step):
            Terminal.errorLine("Step \(step.number)/\(step.of)   \(step.instruction)")
        case .progress, .readings, .cycle, .voltammogram, .analysing, .channels, .spectrum:
            break
        }
    }

    static func report(_ r: RunReport) {
        if r.kind == "plate" { return plate(r) }
        print("Run \(r.runId) · sample \(r.sample) · \(r.analyte ?? r.assay) · \(r.instrument.serial)")
        if r.training {
            print(Terminal.style("  TRAINING", "1;33") + ": a simulated or replayed instrument, not a patient's result "
                  + "(tagged as test data; production destinations refuse it)")
        }
        switch r.status {
        case .aborted:
            print(Terminal.style("  ABORTED", "1;31") + ": \(r.error?.message ?? "unknown")")
            if let hint = r.error?.hint { print("  what to do: \(hint)") }
            print("  kept \(r.raw.readings) of \(r.raw.expected.map(String.init) ?? "?") readings in the store")
        case .invalid:
            print(Terminal.style("  INVALID", "1;31") + " — no number is reported")
            for line in r.interpretation { print("  \(line)") }
        default:
            let flags = r.flags.isEmpty ? "no flags" : r.flags.joined(separator: " ")
            let value = r.display ?? "—"
            print("  \(r.assay.uppercased())  " + Terminal.style(value, "1") + "   " + (r.flags.isEmpty ? flags : Terminal.style(flags, "1;33")))
            for line in r.interpretation { print("        \(line)") }
            if let range = r.referenceRange { print("        reference interval \(range)") }
            if let ratio = r.tcRatio { print("        T/C ratio \(String(format: "%.4f", ratio))") }
        }
        if let link = r.link, link.rejectedFrames + link.sequenceGaps + link.retries > 0 {
            print("  link: \(link.rejectedFrames) corrupt frame(s) discarded, \(link.sequenceGaps) lost, "
                  + "\(link.retries) command(s) resent, \(link.refilledReadings) reading(s) fetched again")
        }
        if let qc = r.qc {
            let rules = qc.violations.map { "\($0.rule.rawValue)\($0.rejects ? "" : " (warning)")" }.joined(separator: ", ")
            print("  QC \(qc.materialLot): " + (qc.accepted ? "accepted" : Terminal.style("REJECTED", "1;31"))
                  + (rules.isEmpty ? "" : " — \(rules)"))
            if let lockout = qc.lockout { print("  \(r.assay) is now held on this instrument (lockout \(lockout.id))") }
        }
        if !r.outbox.isEmpty {
            let queued = r.outbox.map { "\($0.destination) (outbox \($0.id), \($0.state))" }.joined(separator: ", ")
            print("  stored; queued for upload to \(queued)")
        }
    }

    /// A plate: its controls, then a line per patient sample with its queue.
    static func plate(_ r: RunReport) {
        print("Run \(r.runId) · plate \(r.sample) · \(r.analyte ?? r.assay) · \(r.instrument.serial)")
        if r.training {
            print(Terminal.style("  TRAINING", "1;33") + ": a simulated or replayed cycler, not a patient's result "
                  + "(tagged as test data; production destinations refuse it)")
        }
        if r.status == .aborted {
            print(Terminal.style("  ABORTED", "1;31") + ": \(r.error?.message ?? "unknown")")
            if let hint = r.error?.hint { print("  what to do: \(hint)") }
            print("  kept the \(r.raw.readings) readings that arrived in the store (RDML)")
            return
        }
        for check in r.plate?.checks ?? [] {
            let mark = check.passed ? Terminal.style("pass", "1;32") : Terminal.style("FAIL", "1;31")
            print("  \(mark)  \(check.control): \(check.detail)")
        }
        if r.plate?.valid == false {
            print(Terminal.style("  PLATE INVALID", "1;31") + " — no patient result of this plate is released")
        }
        for s in r.results ?? [] {
            let value = s.status == .invalid ? Terminal.style("INVALID", "1;31") : Terminal.style(s.display ?? "—", "1")
            let cq = s.meanCq.map { String(format: "Cq %.2f", $0) + (s.cqSD.map { String(format: " ± %.2f", $0) } ?? "") } ?? "no Cq"
            let flags = s.flags.filter { $0 != "PLATE_CONTROL_FAILED" }.joined(separator: " ")
            print("  \(s.sample.padding(toLength: 12, withPad: " ", startingAt: 0)) \(value)   \(cq) (\(s.wells.joined(separator: ",")))"
                  + (flags.isEmpty ? "" : "  " + Terminal.style(flags, "1;33")))
            if let reason = s.reason, s.status == .invalid, r.plate?.valid != false { print("               \(reason)") }
        }
        let entries = (r.results ?? []).flatMap(\.outbox)
        if !entries.isEmpty {
            let destinations = Set(entries.map(\.destination)).sorted().joined(separator: ", ")
            print("  stored; \(entries.count) outbox entr\(entries.count == 1 ? "y" : "ies") queued for upload to \(destinations)")
        }
    }
}
