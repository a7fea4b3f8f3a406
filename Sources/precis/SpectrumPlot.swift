import Foundation
import PrecisCore
import PrecisRuntime

/// Draws an absorbance run in the terminal: the sample's absorbance over wavelength (braille,
/// as `ProfilePlot` draws a strip), the assay's analytical band `A` and baseline band `B`
/// marked on a ruler under it; when no absorbance could be computed (a spectrum missing), the
/// raw counts of the spectra that were taken instead.
enum SpectrumPlot {
    /// Above it the absorbance is stray light and noise, not a reading: the plot stops there.
    static let ceilingAU = 3.0

    /// The reading's lines, then the plot.
    static func lines(detail: ResultDetail, width: Int, height: Int = 14) -> [String] {
        guard let a = detail.absorbance, a.wavelengthsNM.count > 1 else { return ["  (no spectra stored)"] }
        var out: [String] = []
        if let s = a.analysis {
            out.append("  \(s.spectrometer) · \(s.method.integrationUS / 1000) ms × \(s.method.scansToAverage) scans · lot "
                       + "\(s.lot.lot) v\(s.lot.version)" + (s.saturatedPixels > 0 ? " · \(s.saturatedPixels) pixel(s) saturated" : ""))
            func band(_ b: AbsorbanceBandSummary) -> String {
                let centre = (b.lowNM + b.highNM) / 2, half = (b.highNM - b.lowNM) / 2
                let value = b.absorbance.map { Format.number($0, decimals: 4) + " AU" } ?? b.status
                return "A(\(Format.number(centre, decimals: 0)) ± \(Format.number(half, decimals: 1)) nm) \(value)"
            }
            out.append("  \(band(s.analytical)) − \(band(s.baseline)) = A_corr "
                       + (s.corrected.map { Format.number($0, decimals: 4) + " AU" } ?? "none"))
        }
        out.append("")
        let x = a.wavelengthsNM
        guard let xMin = x.first, let xMax = x.last, xMax > xMin else { return out + ["  (no wavelength axis)"] }
        var canvas = BrailleCanvas(columns: width, rows: height)
        let legend: String
        let readable = a.absorbance.compactMap { $0 }
        var yMin = 0.0, yMax = 1.0
        if !readable.isEmpty {
            yMin = min(0, readable.min()!)
            yMax = max(min(readable.max()!, ceilingAU), yMin + 0.01)
            var last: (Double, Double)?
            for (i, value) in a.absorbance.enumerated() {
                guard let value else { last = nil; continue }
                let p = ((x[i] - xMin) / (xMax - xMin), (min(value, yMax) - yMin) / (yMax - yMin))
                if let last { canvas.line(from: last, to: p) } else { canvas.plot(x: p.0, y: p.1) }
                last = p
            }
            legend = "absorbance (AU) over wavelength (nm) · A: analytical band · B: baseline band"
                + (readable.max()! > ceilingAU ? " · cut at \(Format.number(ceilingAU, decimals: 0)) AU" : "")
        } else {
            yMax = a.maxCount
            for counts in [a.reference, a.sample, a.dark].compactMap({ $0 }) {
                let points = counts.indices.map { ((x[$0] - xMin) / (xMax - xMin), counts[$0] / a.maxCount) }
                for i in points.indices.dropFirst() { canvas.line(from: points[i - 1], to: points[i]) }
            }
            legend = "no absorbance: the spectra taken, counts over wavelength (nm) · A, B: the assay's bands"
        }
        let label = 8
        out += ProfilePlot.framed(canvas, yMin: yMin, yMax: yMax, label: label)
        var ruler = Array(repeating: Character(" "), count: width)
        func mark(_ centre: Double, _ letter: Character) {
            func column(_ nm: Double) -> Int { Int(((nm - xMin) / (xMax - xMin) * Double(width - 1)).rounded()) }
            for i in [column(centre - a.bandHalfWidthNM), column(centre + a.bandHalfWidthNM)] where ruler.indices.contains(i) {
                ruler[i] = "|"
            }
            if ruler.indices.contains(column(centre)) { ruler[column(centre)] = letter }   // the letter wins a shared cell
        }
        mark(a.analyticalNM, "A")
        mark(a.baselineNM, "B")
        out.append(String(repeating: " ", count: label + 1) + String(ruler))
        let left = "\(Int(xMin.rounded())) nm", right = "\(Int(xMax.rounded())) nm"
        out.append(String(repeating: " ", count: label + 1) + left + String(repeating: " ", count: max(1, width - left.count - right.count)) + right)
        out.append("        " + legend)
        return out
    }
}
