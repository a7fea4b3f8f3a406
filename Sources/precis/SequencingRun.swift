import ArgumentParser
import Foundation
import PrecisCore
import PrecisRuntime

/// `precis run --device sim:nps --sample S-0001 [--assay nanopore-run]`: a sequencing run with a
/// live channel summary; stored, with its yield as its result, queued like every run's.
struct SequencingRun {
    let options: RunOptions

    func perform(_ global: GlobalOptions, runtime: Runtime, recording: URL?) async throws {
        guard let sample = options.sample else { throw fail(PrecisError(.input, "give --sample ID for the sequencing run")) }
        var request = SequencingRequest(device: options.device, sample: sample,
                                        output: options.output.map { URL(fileURLWithPath: $0) }, duration: options.duration)
        request.biasMillivolts = options.bias
        request.operatorID = options.operatorID
        request.patient = options.patient
        if let assay = options.assay { request.assay = assay }
        if options.lot != nil || options.qc != nil || options.layout != nil {
            throw fail(PrecisError(.input, "a sequencing run takes no --lot, --qc or --layout"))
        }
        request.recording = recording
        let live = LiveSummary(json: global.json)
        // Ctrl-C or SIGTERM ends the run cleanly (file finished, run COMPLETED); a second one kills.
        let stop = request.stop
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if stop.isRequested { signal(sig, SIG_DFL); raise(sig) }
                stop.request()
                Terminal.errorLine("\nStopping: ending the reads in progress and finishing the file…")
            }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }
        do {
            let report = try await guarded { try await runtime.sequence(request) { live.show($0) } }
            live.finish()
            try print(report, json: global.json)
        } catch let aborted as SequencingAborted {
            live.finish()
            try print(aborted.report, json: global.json)
            throw fail(aborted.error)
        }
    }

    func print(_ r: SequencingReport, json: Bool) throws {
        if json { return try Terminal.printJSON(r) }
        let t = r.outcome.totals, o = r.outcome
        Swift.print("Sequencing run \(r.run.runId) · sample \(r.run.sample) · \(r.instrument.serial) · flow cell \(r.detail.flowCellID ?? "—") · \(r.run.status)")
        Swift.print(String(format: "  %.1f s of signal in %.1f s (%.1f× real time)", r.snapshot.seconds, r.wallSeconds, r.realTimeFactor))
        Swift.print("  reads \(o.reads) · estimated bases \(o.estimatedBases) · read N50 \(o.readN50) b"
                    + (o.poreOccupancy.map { String(format: " · pore occupancy %.1f %%", $0 * 100) } ?? ""))
        Swift.print("  events \(t.events) · samples \(t.samples), \(t.readSamples) of them in reads")
        Swift.print("  lost packets \(t.lostPackets) · lost frames \(t.lostFrames) · corrupt \(t.corruptPackets) · ring overflows \(t.ringOverflows)")
        if !r.run.flags.isEmpty { Swift.print("  FLAGS: \(r.run.flags.joined(separator: ", "))") }
        for line in r.run.interpretation { Swift.print("    \(line)") }
        Swift.print("  reads in \(r.file) (\(r.bytes) bytes" + (r.sha256.map { ", SHA-256 \($0)" } ?? "") + ")")
        if let id = r.run.resultId {
            Swift.print("  result \(id) queued for " + (r.run.outbox.isEmpty ? "no destination" : r.run.outbox.map(\.destination).joined(separator: ", ")))
        }
        if let error = r.run.error { Swift.print("  \(error.message)") }
    }
}

/// The operator's live view: channel states, reads per second, losses; redrawn in place on a
/// terminal, one line every few seconds otherwise (nothing with --json).
final class LiveSummary: @unchecked Sendable {
    let json: Bool
    let lock = NSLock()
    var last: (time: Date, reads: Int, seconds: Double)?
    var lastLine = Date.distantPast
    var drawn = false

    init(json: Bool) { self.json = json }

    func show(_ s: SequencingSnapshot) {
        guard !json else { return }
        lock.withLock {
            let now = Date()
            let interval = Terminal.stderrIsTTY ? 0.25 : 2.0
            guard now.timeIntervalSince(lastLine) >= interval else { return }
            var rate = 0.0
            if let last, s.seconds > last.seconds { rate = Double(s.totals.reads - last.reads) / (s.seconds - last.seconds) }
            last = (now, s.totals.reads, s.seconds)
            lastLine = now
            let order = ["strand", "pore", "no-pore", "saturated", "other", "unknown"]
            let states = order.compactMap { key in s.states[key].map { "\(key) \($0)" } }.joined(separator: " · ")
            var line = String(format: "%7.1f s", s.seconds) + " │ \(states) │ reads \(s.totals.reads) ("
                + String(format: "%.1f", rate) + "/s) │ lost \(s.totals.lostPackets) │ overflow \(s.totals.ringOverflows)"
            if s.totals.corruptPackets > 0 { line += " │ corrupt \(s.totals.corruptPackets)" }
            if Terminal.stderrIsTTY {
                Terminal.errorText("\r\u{1B}[2K" + line)
                drawn = true
            } else {
                Terminal.errorLine(line)
            }
        }
    }

    func finish() {
        lock.withLock {
            if drawn { Terminal.errorText("\n") }
            drawn = false
        }
    }
}
