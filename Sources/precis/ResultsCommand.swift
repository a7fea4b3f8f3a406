import Foundation
import ArgumentParser
import PrecisCore
import PrecisRuntime

/// `precis results` and `precis results show ID`.
struct ResultsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results", abstract: "List stored runs and results, or show one with its profile.",
        subcommands: [List.self, Show.self, Raw.self, Sequencing.self], defaultSubcommand: List.self)

    /// Sequencing runs, newest first: status, reads, losses, flags and the reads file.
    struct Sequencing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sequencing", abstract: "List sequencing runs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "How many runs.") var limit = 50

        mutating func validate() throws { try Check.whole(limit, "--limit", in: 1...100_000) }

        func run() async throws {
            let runtime = try global.runtime()
            let runs = try guarded { try runtime.results(limit: limit, kind: .sequencing) }
            if global.json { return try Terminal.printJSON(runs) }
            guard !runs.isEmpty else { return print("No sequencing runs in \(runtime.store.path) yet.") }
            print(Table.render(
                header: ["RUN", "STARTED", "SAMPLE", "INSTRUMENT", "STATUS", "READS", "N50", "LOST PKTS", "OVERFLOWS", "FLAGS", "FILE"],
                rows: runs.map { r in
                    let t = r.sequencingTotals
                    return ["\(r.runId)", Table.time(r.startedAt), r.training ? "\(r.sample) (training)" : r.sample, r.instrument,
                            r.status.rawValue, t.map { "\($0.reads)" } ?? "—", r.sequencing.map { "\($0.readN50)" } ?? "—",
                            t.map { "\($0.lostPackets)" } ?? "—", t.map { "\($0.ringOverflows)" } ?? "—",
                            Self.flagCell(t?.flags.map(\.rawValue) ?? r.flags),
                            r.sequencingDetail?.readsPath ?? "—"]
                }))
            for r in runs { if let error = r.error { print("run \(r.runId): \(error.message)") } }
        }

        static func flagCell(_ flags: [String]) -> String { flags.isEmpty ? "—" : flags.joined(separator: ",") }
    }

    /// The list, newest first.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "How many runs.") var limit = 50

        mutating func validate() throws { try Check.whole(limit, "--limit", in: 1...100_000) }

        func run() async throws {
            let runtime = try global.runtime()
            let results = try guarded { try runtime.results(limit: limit) }
            if global.json { return try Terminal.printJSON(results) }
            guard !results.isEmpty else { return print("No runs in \(runtime.store.path) yet.") }
            print(Table.render(
                header: ["RUN", "STARTED", "SAMPLE", "ASSAY", "STATUS", "RESULT", "FLAGS", "RAW", "UPLOAD"],
                rows: results.map(Self.row)))
        }

        /// One run's line in the list.
        static func row(_ r: ResultSummary) -> [String] {
            let result: String = r.display ?? r.results.map { Self.plateCell($0) } ?? "—"
            let raw: String = r.rawProfile.map { "\($0.readings)/\($0.expected.map(String.init) ?? "?")" }
                ?? r.rawData?.first.map { "\($0.kind) \(BoundedFile.describe($0.size))" } ?? "—"
            let upload: String = r.outbox.isEmpty ? "—" : r.outbox.map(\.state.rawValue).joined(separator: ",")
            return ["\(r.runId)", Table.time(r.startedAt), r.training ? "\(r.sample) (training)" : r.sample, r.assay,
                    r.status.rawValue, result, r.flags.isEmpty ? "—" : r.flags.joined(separator: ","), raw, upload]
        }

        /// A plate's results in one cell: `4 results (1 invalid)`.
        static func plateCell(_ results: [SampleResultSummary]) -> String {
            let invalid = results.filter { $0.status == .invalid }.count
            return "\(results.count) result\(results.count == 1 ? "" : "s")" + (invalid > 0 ? " (\(invalid) invalid)" : "")
        }
    }

    /// One run with its profile drawn.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run, its lines and its profile.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run's number (from `precis results`).") var id: Int64
        @Option(help: "Plot width in characters.") var width = 72

        mutating func validate() throws {
            try Check.whole(id, "the run's number", in: 1...Int64.max)
            try Check.whole(width, "--width", in: 40...1000)
        }

        func run() async throws {
            let runtime = try global.runtime()
            let detail = try guarded { try runtime.resultDetail(runID: id) }
            if global.json { return try Terminal.printJSON(detail) }
            ResultPrinter.print(detail, width: max(40, width))
        }
    }

    /// A run's raw data written to a file as it was stored: a plate's RDML for LinRegPCR or
    /// `precis analyze qpcr`, a strip's profile for `precis analyze lfa`, a voltammogram's CSV.
    struct Raw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "raw", abstract: "Write a run's raw data to a file (a plate's RDML, a strip's profile, a voltammogram).",
            discussion: "The bytes are checked against the SHA-256 they were stored with before anything is written.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The run's number (from `precis results`).") var id: Int64
        @Option(help: "Where to write it.") var out: String

        mutating func validate() throws { try Check.whole(id, "the run's number", in: 1...Int64.max) }

        func run() async throws {
            let runtime = try global.runtime()
            let export = try guarded { try runtime.exportRawData(runID: id, to: URL(fileURLWithPath: out)) }
            let note = export.complete ? "" : " (incomplete: the run stopped before all of it arrived)"
            if global.json {
                struct Written: Encodable { let run: Int64, kind: String, mediaType: String, size: Int, sha256: String?, complete: Bool, path: String }
                return try Terminal.printJSON(Written(run: id, kind: export.kind, mediaType: export.mediaType, size: export.bytes.count,
                                                      sha256: export.sha256, complete: export.complete, path: out))
            }
            print("run \(id): \(export.kind), \(export.bytes.count) bytes\(export.sha256.map { ", SHA-256 \($0)" } ?? "")\(note) → \(out)")
        }
    }
}

/// How one stored run reads on the terminal.
enum ResultPrinter {
    static func print(_ d: ResultDetail, width: Int) {
        if d.summary.kind == "plate" { return plate(d, width: width) }
        let s = d.summary
        Swift.print("Run \(s.runId) · sample \(s.sample) · \(s.assay) · \(s.status) · \(s.instrument) · started \(s.startedAt)")
        // A strip's result is in the summary; every other kind's in its results (one here).
        let one = s.results?.first
        let display = s.display ?? one?.display, flags = s.display == nil && one != nil ? one!.flags : s.flags
        if let display {
            Swift.print("  result  \(display)  \(flags.isEmpty ? "no flags" : flags.joined(separator: " "))")
        } else if s.status == .invalid {
            Swift.print("  result  INVALID" + (flags.isEmpty ? "" : " (\(flags.joined(separator: " ")))"))
            if let reason = one?.reason { Swift.print("  why     \(reason)") }
        }
        if let error = s.error { Swift.print("  stopped: \(error.message)") }
        if let a = d.analysis {
            Swift.print("  lot \(a.lot.lot) v\(a.lot.version) · \(a.model.typeName) · noise \(fmt(a.noise, 4)) A")
            for (name, line) in [("control", a.control), ("test", a.test)] {
                guard let line else { Swift.print("  \(name) line: none"); continue }
                Swift.print("  \(name) line at \(fmt(line.positionMM, 2)) mm: height \(fmt(line.height, 4)) A, "
                            + "area \(fmt(line.area, 5)) A·mm, S/N \(fmt(line.signalToNoise, 1))")
            }
            if let ratio = a.ratio { Swift.print("  T/C ratio \(fmt(ratio, 4))") }
        }
        if let v = d.stripping {
            Swift.print("  lot \(v.lot.lot) v\(v.lot.version) · deposition \(fmt(v.method.deposition, 2)) V for \(fmt(v.method.depositionSeconds, 0)) s, "
                        + "\(v.method.sweep.name.replacingOccurrences(of: "-", with: " ")) sweep to \(fmt(v.method.end, 2)) V")
            if let p = v.peak {
                let charge = v.peakChargeNC.map { ", \(fmt($0, 1)) nC" } ?? ""
                Swift.print("  stripping peak at \(fmt(p.potential, 3)) V: \(fmt(p.height * 1e9, 1)) nA\(charge) over a baseline from "
                            + "\(fmt(p.startPotential, 3)) to \(fmt(p.endPotential, 3)) V")
            } else {
                Swift.print("  no stripping peak between \(fmt(v.method.peakWindow.low, 2)) and \(fmt(v.method.peakWindow.high, 2)) V")
            }
        }
        for raw in s.rawData ?? [] where s.kind != "plate" {
            Swift.print("  raw data: \(raw.kind), \(BoundedFile.describe(raw.size)), SHA-256 \(raw.sha256)\(raw.complete ? "" : " (incomplete)")")
        }
        if let raw = d.raw { Swift.print("  raw profile: \(raw.profile.count) readings\(raw.complete ? "" : " (incomplete)")") }
        Swift.print("")
        let plot = switch s.kind {
        case "voltammetry": ProfilePlot.voltammogram(detail: d, width: width)
        case "absorbance": SpectrumPlot.lines(detail: d, width: width)
        default: ProfilePlot.lines(detail: d, width: width)
        }
        for line in plot {
            Swift.print(line)
        }
        if !s.outbox.isEmpty {
            Swift.print("  upload: " + s.outbox.map { "\($0.destination) \($0.state) (\($0.attempts) tries)" }.joined(separator: ", "))
        }
    }

    /// A plate: its controls, each sample's result, and the target's curves on a log scale.
    static func plate(_ d: ResultDetail, width: Int) {
        let s = d.summary
        Swift.print("Run \(s.runId) · plate \(s.sample) · \(s.assay) · \(s.status) · \(s.instrument) · started \(s.startedAt)")
        for check in d.plate?.checks ?? [] {
            Swift.print("  \(check.passed ? "pass" : "FAIL")  \(check.control): \(check.detail)")
        }
        for r in s.results ?? [] {
            let cq = r.meanCq.map { "Cq " + fmt($0, 2) + (r.cqSD.map { " ± " + fmt($0, 2) } ?? "") } ?? "no Cq"
            Swift.print("  \(r.sample.padding(toLength: 12, withPad: " ", startingAt: 0)) \(r.status == .invalid ? "INVALID" : r.display ?? "—")"
                        + "   \(cq) (\(r.wells.joined(separator: ",")))  \(r.flags.joined(separator: " "))"
                        + "  upload: " + r.outbox.map { "\($0.destination) \($0.state)" }.joined(separator: ", "))
            if let reason = r.reason, r.status == .invalid { Swift.print("               \(reason)") }
        }
        for raw in s.rawData ?? [] {
            Swift.print("  raw data: \(raw.kind), \(BoundedFile.describe(raw.size)), SHA-256 \(raw.sha256)\(raw.complete ? "" : " (incomplete)")")
        }
        for target in Array(Set(d.wells.map(\.target))).sorted() {
            Swift.print("\n  " + target)
            for line in QPCRPlot.lines(d.wells.filter { $0.target == target }, width: width) { Swift.print(line) }
        }
    }

    static func fmt(_ x: Double, _ places: Int) -> String { Format.number(x, decimals: places) }
}
