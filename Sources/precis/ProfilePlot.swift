import Foundation
import PrecisCore
import PrecisRuntime

/// Draws a strip's absorbance profile in the terminal with Unicode braille (2×4 dots per
/// character): the smoothed profile solid, the baseline dotted, the line windows and the
/// found lines marked on a ruler below.
enum ProfilePlot {
    static func lines(detail: ResultDetail, width: Int, height: Int = 14) -> [String] {
        let raw = detail.raw
        var series: [(x: [Double], y: [Double], dotted: Bool)] = []
        if let c = detail.curves, !c.positionsMM.isEmpty {
            series = [(c.positionsMM, c.smoothed, false), (c.positionsMM, c.baseline, true)]
        } else if let raw, raw.profile.count > 1 {
            let x = raw.profile.positionsUM.map { Double($0) / 1000 }
            let y = raw.profile.reflectance.map { -log10(max(Double($0), 1) / Double(raw.profile.fullScale)) }
            series = [(x, y, false)]
        }
        guard let first = series.first, let xMin = first.x.first, let xMax = first.x.last, xMax > xMin else {
            return ["  (no profile stored)"]
        }
        let ys = series.flatMap(\.y)
        let yMin = ys.min() ?? 0, yMax = max(ys.max() ?? 1, yMin + 1e-6)
        var canvas = BrailleCanvas(columns: width, rows: height)
        for s in series {
            let points = s.x.indices.map { ((s.x[$0] - xMin) / (xMax - xMin), (s.y[$0] - yMin) / (yMax - yMin)) }
            if s.dotted {
                for (i, p) in points.enumerated() where i % 3 == 0 { canvas.plot(x: p.0, y: p.1) }
            } else {
                for i in points.indices.dropFirst() { canvas.line(from: points[i - 1], to: points[i]) }
            }
        }
        let label = 8
        var out = framed(canvas, yMin: yMin, yMax: yMax, label: label)
        out.append(String(repeating: " ", count: label + 1) + ruler(detail, xMin, xMax, width))
        out.append(String(repeating: " ", count: label + 1) + axis(xMin, xMax, width))
        out.append("        absorbance (A) over position (mm) · solid: profile · dotted: baseline · [ ] windows · C, T: lines")
        return out
    }

    /// A stored voltammogram: net current (nA) over potential (V), the stripping peak marked `P`,
    /// its baseline drawn dotted, and the assay's peak window `[ ]` under it.
    static func voltammogram(detail: ResultDetail, width: Int, height: Int = 14) -> [String] {
        voltammogram(points: detail.voltammogram, peaks: detail.stripping?.peak.map { [$0] } ?? [],
                     window: detail.stripping?.method.peakWindow, width: width, height: height,
                     legend: "net current (nA) over potential (V) · [ ] peak window · P: the stripping peak · dotted: its baseline")
    }

    /// A voltammogram (`points`: potential V, current A) in nA over V, each peak's baseline dotted
    /// between its bounds, the peaks marked `P` and their bounds `|` on a ruler under the plot,
    /// `window` as `[ ]`.
    static func voltammogram(points: [[Double]], peaks: [VoltammetricPeakSummary], window: ValueRange?,
                             width: Int, height: Int = 14, legend: String) -> [String] {
        guard points.count > 1, let xMin = points.map({ $0[0] }).min(), let xMax = points.map({ $0[0] }).max(), xMax > xMin else {
            return ["  (no voltammogram stored)"]
        }
        let ys = points.map { $0[1] * 1e9 }
        let yMin = ys.min() ?? 0, yMax = max(ys.max() ?? 1, yMin + 1e-6)
        var canvas = BrailleCanvas(columns: width, rows: height)
        func fraction(_ x: Double, _ nA: Double) -> (Double, Double) { ((x - xMin) / (xMax - xMin), (nA - yMin) / (yMax - yMin)) }
        let scaled = points.indices.map { fraction(points[$0][0], ys[$0]) }
        for i in scaled.indices.dropFirst() { canvas.line(from: scaled[i - 1], to: scaled[i]) }
        for p in peaks {
            guard let b0 = p.startBaseline, let b1 = p.endBaseline, p.endPotential > p.startPotential else { continue }
            for k in stride(from: 0, through: 60, by: 3) {
                let t = Double(k) / 60
                let (x, y) = fraction(p.startPotential + t * (p.endPotential - p.startPotential), (b0 + t * (b1 - b0)) * 1e9)
                canvas.plot(x: x, y: y)
            }
        }
        let label = 8
        var out = framed(canvas, yMin: yMin, yMax: yMax, label: label)
        var cells = Array(repeating: Character(" "), count: width)
        func put(_ v: Double, _ ch: Character) {
            let i = Int(((v - xMin) / (xMax - xMin) * Double(width - 1)).rounded())
            if cells.indices.contains(i) { cells[i] = ch }
        }
        if let w = window { put(w.low, "["); put(w.high, "]") }
        for p in peaks { put(p.startPotential, "|"); put(p.endPotential, "|") }
        for p in peaks { put(p.potential, "P") }
        out.append(String(repeating: " ", count: label + 1) + String(cells))
        out.append(String(repeating: " ", count: label + 1) + String(format: "%.2f V", xMin)
                   + String(repeating: " ", count: max(1, width - 16)) + String(format: "%.2f V", xMax))
        out.append("        " + legend)
        return out
    }

    /// The canvas' rows with the y range written at the top and bottom of a left axis, and the x axis under them.
    static func framed(_ canvas: BrailleCanvas, yMin: Double, yMax: Double, label: Int) -> [String] {
        var out = canvas.render().enumerated().map { index, row -> String in
            let tag = index == 0 ? ReportNumber.short(yMax) : index == canvas.rows - 1 ? ReportNumber.short(yMin) : ""
            return tag.padding(toLength: label, withPad: " ", startingAt: 0) + "│" + row
        }
        out.append(String(repeating: " ", count: label) + "└" + String(repeating: "─", count: canvas.columns))
        return out
    }

    private static func ruler(_ d: ResultDetail, _ xMin: Double, _ xMax: Double, _ width: Int) -> String {
        var cells = Array(repeating: Character(" "), count: width)
        func put(_ mm: Double, _ ch: Character) {
            let i = Int(((mm - xMin) / (xMax - xMin) * Double(width - 1)).rounded())
            if cells.indices.contains(i) { cells[i] = ch }
        }
        if let m = d.analysis?.method {
            for w in [m.controlWindowMM, m.testWindowMM] { put(w.low, "["); put(w.high, "]") }
        }
        if let c = d.analysis?.control { put(c.positionMM, "C") }
        if let t = d.analysis?.test { put(t.positionMM, "T") }
        return String(cells)
    }

    private static func axis(_ xMin: Double, _ xMax: Double, _ width: Int) -> String {
        var cells = Array(repeating: Character(" "), count: width + 6)
        for k in 0...5 {
            let mm = xMin + (xMax - xMin) * Double(k) / 5
            let text = Array(String(Int(mm.rounded())))
            let at = min(width - 1, Int(Double(width - 1) * Double(k) / 5))
            for (j, ch) in text.enumerated() where at + j < cells.count { cells[at + j] = ch }
        }
        return String(cells)
    }
}

/// A grid of braille characters, each 2 dots wide and 4 dots high.
struct BrailleCanvas {
    let columns: Int
    let rows: Int
    private var bits: [UInt8]

    init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        bits = Array(repeating: 0, count: columns * rows)
    }

    /// Sets the dot at fractions `x`, `y` of the width and height (y upward), clamped.
    mutating func plot(x: Double, y: Double) {
        let px = Int((min(max(x, 0), 1) * Double(columns * 2 - 1)).rounded())
        let py = Int(((1 - min(max(y, 0), 1)) * Double(rows * 4 - 1)).rounded())
        let dot: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
        bits[(py / 4) * columns + px / 2] |= dot[py % 4][px % 2]
    }

    /// Sets the dots along the segment between two points (fractions, as in `plot`).
    mutating func line(from a: (Double, Double), to b: (Double, Double)) {
        let steps = max(1, Int((max(abs(b.0 - a.0) * Double(columns * 2), abs(b.1 - a.1) * Double(rows * 4))).rounded(.up)))
        for k in 0...steps {
            let t = Double(k) / Double(steps)
            plot(x: a.0 + (b.0 - a.0) * t, y: a.1 + (b.1 - a.1) * t)
        }
    }

    func render() -> [String] {
        (0..<rows).map { row in
            String((0..<columns).map { col in
                Character(Unicode.Scalar(0x2800 + UInt32(bits[row * columns + col]))!)
            })
        }
    }
}

/// Short numbers for axis labels.
enum ReportNumber {
    static func short(_ x: Double) -> String { String(format: "%.3f", x) }
}
