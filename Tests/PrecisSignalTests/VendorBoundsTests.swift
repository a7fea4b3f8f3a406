import Foundation
@testable import PrecisSignal
import Testing

// PSTrace's peak bounds (`PeakBounds.vendor`) on synthetic voltammograms: each peak over its own
// baseline, its bounds where that baseline touches the curve. The vendor's own curves are in
// Tests/Conformance (VendorPeakConformanceTests).

private func grid(_ from: Double, _ to: Double, _ step: Double) -> [Double] {
    (0...Int(((to - from) / step).rounded())).map { from + Double($0) * step }
}

private func gaussian(_ e: Double, _ center: Double, _ height: Double, _ sigma: Double) -> Double {
    height * exp(-0.5 * (e - center) * (e - center) / (sigma * sigma))
}

private func vendorOptions() -> VoltammetricPeakOptions {
    var o = VoltammetricPeakOptions()
    o.bounds = .vendor
    return o
}

/// The 7-point slope is the least-squares line's: on even spacing, a parabola's derivative at the
/// centre sample (the 7-point Savitzky–Golay first derivative); on uneven spacing, a line's slope
/// exactly; none for the three samples at each end.
@Test func theSevenPointSlopeIsTheLeastSquaresLines() {
    let even: [Double] = (0..<20).map { (k: Int) -> Double in Double(k) * 0.005 }
    let parabola: [Double] = even.map { (e: Double) -> Double in 1.5 - 3.0 * e + 40.0 * e * e }
    let d = VoltammetricPeakFinder.sevenPointSlope(even, parabola)
    #expect(d.prefix(3).allSatisfy { $0 == nil } && d.suffix(3).allSatisfy { $0 == nil })
    for k in 3..<17 {
        let exact: Double = -3.0 + 80.0 * even[k]
        #expect(abs((d[k] ?? .nan) - exact) < 1e-9, "sample \(k)")
    }
    let uneven: [Double] = (0..<20).map { (k: Int) -> Double in Double(k) * 0.005 + (k % 2 == 0 ? 0.0 : 0.0004) }
    let line = VoltammetricPeakFinder.sevenPointSlope(uneven, uneven.map { (e: Double) -> Double in 0.7 - 6.5 * e })
    #expect(line.compactMap { $0 }.count == 14 && line.compactMap { $0 }.allSatisfy { abs($0 + 6.5) < 1e-9 })
}

/// Two peaks on a background that falls under the first and rises under the second, a long
/// flat stretch between them (the shape of the vendor's SWV example): Precis's own bounds meet at the lowest sample between them; PSTrace's
/// stop on the flanks, each peak over its own line, which touches the curve at both bounds and
/// passes under every sample between them.
@Test func flankBoundsTouchTheCurveAndStayUnderIt() throws {
    let e = grid(-1.0, 0.0, 0.005)
    let i = e.map { 2e-6 + 8e-6 * ($0 + 0.62) * ($0 + 0.62) + gaussian($0, -0.8, 1.5e-6, 0.025) + gaussian($0, -0.45, 12e-6, 0.025) }
    let own = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    let vendor = try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: vendorOptions())
    try #require(own.count == 2 && vendor.count == 2)
    #expect(own[0].endIndex == own[1].startIndex)
    #expect(vendor[0].endIndex < own[0].endIndex && vendor[1].startIndex > own[1].startIndex)
    for (p, q) in zip(vendor, own) {
        #expect(p.startBaseline == i[p.startIndex] && abs(p.endBaseline - i[p.endIndex]) < 1e-18)
        let slope = (p.endBaseline - p.startBaseline) / (e[p.endIndex] - e[p.startIndex])
        // Touches, judged by the 7-point slope: no sample dips under the line by more than 0.5 % of the peak.
        for k in p.startIndex...p.endIndex {
            #expect(i[k] - (p.startBaseline + slope * (e[k] - e[p.startIndex])) > -5e-3 * p.height, "sample \(k)")
        }
        // On this convex background a chord to the valley runs above the background under the peak,
        // the line between flank bounds less so: the values come out higher, and still not above the truth.
        #expect(p.apexIndex == q.apexIndex && p.height > q.height, "\(p) \(q)")
        #expect(p.height < (p.apexIndex == vendor[0].apexIndex ? 1.5e-6 : 12e-6))
    }
    #expect(i[vendor[0].endIndex] > i[own[0].endIndex] && i[vendor[1].startIndex] > i[own[1].startIndex])
}

/// Where the valley is a sharp V between two peaks, or a lone peak's valleys lie on its own
/// background, both definitions give the same bounds.
@Test func aSharpValleyAndALonePeakKeepTheirValleys() throws {
    let e = grid(-0.5, 0.5, 0.005)
    let i = e.map { 1e-7 + 2e-7 * $0 + gaussian($0, -0.1, 2e-6, 0.03) + gaussian($0, 0.02, 3e-6, 0.03) + gaussian($0, 0.3, 1e-6, 0.03) }
    let own = try VoltammetricPeakFinder.peaks(potentials: e, currents: i)
    let vendor = try VoltammetricPeakFinder.peaks(potentials: e, currents: i, options: vendorOptions())
    try #require(own.count == 3 && vendor.count == 3)
    #expect(vendor[0].endIndex == vendor[1].startIndex)
    #expect(vendor[0].endIndex == own[0].endIndex)
    for p in vendor { #expect(p.startIndex < p.apexIndex && p.apexIndex < p.endIndex) }
}

/// A cathodic sweep (downwards, negative peaks) is bounded as its mirror image is.
@Test func flankBoundsOfADownwardSweepMirrorTheUpward() throws {
    let e = grid(-1.0, 0.0, 0.005)
    let up = e.map { 2e-6 + 8e-6 * ($0 + 0.62) * ($0 + 0.62) + gaussian($0, -0.8, 1.5e-6, 0.025) + gaussian($0, -0.45, 12e-6, 0.025) }
    var options = vendorOptions()
    let a = try VoltammetricPeakFinder.peaks(potentials: e, currents: up, options: options)
    options.polarity = .negative
    let b = try VoltammetricPeakFinder.peaks(potentials: e.reversed(), currents: up.reversed().map { -$0 }, options: options)
    try #require(a.count == 2 && b.count == 2)
    #expect(a[0].endIndex != a[1].startIndex)                    // bounds on the flanks, not one shared valley
    for (p, q) in zip(a, b) {
        #expect((q.startIndex, q.endIndex) == (e.count - 1 - p.startIndex, e.count - 1 - p.endIndex))
        #expect(abs(p.height - q.height) < 1e-12 * p.height)
    }
}
