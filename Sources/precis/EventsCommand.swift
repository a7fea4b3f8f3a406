import ArgumentParser
import Foundation
import PrecisCore
import PrecisRuntime

/// `precis events FILE.slow5|FILE.blow5`: the event detector, offline, on every read.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Find events (start, length, mean, stdv in pA) in every read of a SLOW5/BLOW5 file.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The SLOW5 or BLOW5 file.") var file: String
    @Option(help: "Only these read ids (repeat the option).") var read: [String] = []
    @Option(parsing: .unconditional, help: "Short window (samples).") var window1 = EventDetectionSettings.r94DNA.windowLength1
    @Option(parsing: .unconditional, help: "Long window (samples).") var window2 = EventDetectionSettings.r94DNA.windowLength2
    @Option(parsing: .unconditional, help: "Short detector's threshold.") var threshold1 = EventDetectionSettings.r94DNA.threshold1
    @Option(parsing: .unconditional, help: "Long detector's threshold.") var threshold2 = EventDetectionSettings.r94DNA.threshold2
    @Option(parsing: .unconditional, help: "Peak height.") var peakHeight = EventDetectionSettings.r94DNA.peakHeight
    @Flag(help: "Draw each read's first second: the current and its event levels.") var plot = false
    @Option(help: "Detector threads, each running sixteen reads side by side (default: every core).") var threads: Int?

    mutating func validate() throws {
        try Check.whole(window1, "--window1", in: 1...4096)
        try Check.whole(window2, "--window2", in: 1...4096)
        try Check.number(Double(threshold1), "--threshold1")
        try Check.number(Double(threshold2), "--threshold2")
        try Check.number(Double(peakHeight), "--peak-height")
        try Check.whole(threads, "--threads", in: 1...256)
    }

    func run() async throws {
        let parameters = EventDetectionSettings(windowLength1: window1, windowLength2: window2, threshold1: threshold1,
                                                 threshold2: threshold2, peakHeight: peakHeight)
        try global.admit([(file, "FILE")])
        let url = URL(fileURLWithPath: file)
        var collected: [ReadEvents] = []
        let result = try guarded {
            try Runtime.detectEvents(url, parameters: parameters, only: Set(read), threads: threads) { readEvents in
                if global.json { collected.append(readEvents) } else { summary(readEvents) }
            }
        }
        if global.json {
            try Terminal.printJSON(EventsReport(file: file, parameters: result.parameters, reads: collected))
        } else {
            print("\(result.reads) read(s); detector windows \(window1)/\(window2), thresholds \(threshold1)/\(threshold2), peak height \(peakHeight)")
        }
    }

    func summary(_ r: ReadEvents) {
        let dwell = r.events.isEmpty ? 0 : Double(r.samples) / Double(r.events.count)
        // The lowest and highest level in one pass, without an array of them (min() and max()'s comparisons).
        var low = r.events.first?.mean ?? 0, high = low
        for e in r.events.dropFirst() {
            if e.mean < low { low = e.mean }
            if high < e.mean { high = e.mean }
        }
        print("\(r.readID)  \(r.samples) samples  \(r.events.count) events  mean dwell \(String(format: "%.1f", dwell)) samples"
              + "  levels \(String(format: "%.1f", low))–\(String(format: "%.1f", high)) pA")
        if plot { print(EventPlot.render(r.events, samples: min(r.samples, 4000))) }
    }
}

/// A terminal plot of event levels over the first samples of a read: one column per bucket of
/// samples, the event mean marked at its height.
enum EventPlot {
    static func render(_ events: [EventSummary], samples: Int, width: Int = 100, height: Int = 16) -> String {
        let shown = events.filter { $0.start < samples }
        guard let low = shown.map(\.mean).min(), let high = shown.map(\.mean).max(), high > low else { return "  (flat)" }
        var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
        for e in shown {
            let row = height - 1 - Int(Float(height - 1) * (e.mean - low) / (high - low))
            let from = e.start * width / samples, to = max(from + 1, min(width, (e.start + e.length) * width / samples))
            for x in from..<min(to, width) { grid[row][x] = "━" }
        }
        var lines: [String] = []
        for (i, row) in grid.enumerated() {
            let label = i == 0 ? String(format: "%6.1f pA ┤", high) : (i == height - 1 ? String(format: "%6.1f pA ┤", low) : "          │")
            lines.append(label + String(row))
        }
        lines.append("          └" + String(repeating: "─", count: width) + " first \(samples) samples")
        return lines.joined(separator: "\n")
    }
}
