import Foundation
import Testing

/// `precis analyze methodscript` with its options, on a square-wave stream written as a device
/// writes it: a start transient, two stripping peaks in the net current, one in the forward.
@Suite struct CLIMethodSCRIPTAnalysisTests {
    static func hex(_ value: Double, _ factor: Double) -> String {
        let text = String(Int((value / factor).rounded()) + (1 << 27), radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 7 - text.count)) + text
    }

    static func gaussian(_ e: Double, _ c: Double, _ h: Double) -> Double { h * exp(-0.5 * (e - c) * (e - c) / (0.03 * 0.03)) }

    /// The stream file: −0.8 to 0.2 V by 5 mV, packages `da;ba(net);ba(forward);ba(reverse)`.
    static func stream() throws -> URL {
        var lines = ["e", "M0000"]
        for k in 0...200 {
            let e = -0.8 + 0.005 * Double(k)
            let net = k == 0 ? 2e-7 : 3e-7 + 4e-6 * exp(-(e + 0.8) / 0.03) + gaussian(e, -0.35, 1e-6) + gaussian(e, -0.1, 0.4e-6)
            let forward = 5e-7 + gaussian(e, -0.35, 0.6e-6), reverse = 1e-7
            lines.append("Pda\(hex(e, 1e-6))u;ba\(hex(net, 1e-12))p;ba\(hex(forward, 1e-12))p;ba\(hex(reverse, 1e-12))p")
        }
        lines += ["*", "", ""]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swv-\(UUID().uuidString).txt")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static func peaks(_ args: [String]) throws -> (report: [String: Any], peaks: [[String: Any]]) {
        let result = try precis(["analyze", "methodscript"] + args + ["--json"], db: newDatabase())
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try result.json() as? [String: Any])
        return (report, try #require(report["peaks"] as? [[String: Any]]))
    }

    @Test func theNetCurrentsTwoPeaksInEngineeringUnitsWithAPlot() throws {
        let file = try Self.stream()
        defer { try? FileManager.default.removeItem(at: file) }
        let text = try precis(["analyze", "methodscript", file.path, "--scan-rate", "0.125"], db: newDatabase())
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("201 data packages · swv, net current, valley baseline, vendor bounds · 2 peaks"), "\(text.stdout)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let first = try #require(lines.first { $0.contains("peak at -350") })
        #expect(first.contains("(anodic)") && first.contains(" µA over a baseline of ") && first.contains(" nA"), "\(first)")
        #expect(first.contains(" mV") && first.contains("area ") && first.contains("V·A") && first.contains("charge 601.") && first.contains(" nC"))
        #expect(!text.stdout.contains("e-0"))                      // no raw doubles
        #expect(lines.contains { $0.contains("P") && $0.contains("|") && !$0.contains("│") })   // the ruler under the plot
        #expect(text.stdout.contains("dotted: its baseline"))

        let (report, peaks) = try Self.peaks([file.path])
        #expect(report["technique"] as? String == "swv" && report["variable"] as? String == "net" && report["bounds"] as? String == "vendor")
        #expect(peaks.count == 2)
        let p = try #require(peaks.first)
        for key in ["startPotential", "endPotential", "startBaseline", "endBaseline", "baselineCurrent", "width", "area", "height"] {
            #expect(p[key] is Double, "\(key)")
        }
        #expect(p["direction"] as? String == "anodic")
        #expect(abs((p["potential"] as? Double ?? 0) + 0.35) < 0.005)
        // The baseline is the background (0.3 µA), not a line from the low first sample under the transient.
        #expect(abs((p["baselineCurrent"] as? Double ?? 0) - 3e-7) < 1e-9)
        #expect(abs((p["area"] as? Double ?? 0) / (1e-6 * 0.03 * (2 * Double.pi).squareRoot()) - 1) < 0.01)
        #expect((p["endPotential"] as? Double ?? 0) == (peaks.last?["startPotential"] as? Double ?? 1))
        #expect((report["curve"] as? [[Double]])?.count == 201)
    }

    @Test func theOptionsChangeWhatIsFound() throws {
        let file = try Self.stream()
        defer { try? FileManager.default.removeItem(at: file) }
        let forward = try Self.peaks([file.path, "--variable", "forward"]).peaks
        #expect(forward.count == 1)
        #expect(abs((forward.first?["height"] as? Double ?? 0) - 0.6e-6) < 0.01e-6)
        #expect(try Self.peaks([file.path, "--variable", "reverse"]).peaks.isEmpty)
        let edges = try Self.peaks([file.path, "--include-edges"]).peaks
        #expect(edges.map { $0["edge"] as? Bool } == [true, false, false])
        #expect(try Self.peaks([file.path, "--min-height", "5e-7"]).peaks.count == 1)
        #expect(try Self.peaks([file.path, "--min-width", "0.2"]).peaks.isEmpty)
        // Precis's own bounds: the two peaks meet at the lowest sample between them, over one line.
        let valley = try Self.peaks([file.path, "--bounds", "valley"])
        #expect(valley.report["bounds"] as? String == "valley" && valley.peaks.count == 2)
        #expect((valley.peaks.first?["endPotential"] as? Double ?? 0) == (valley.peaks.last?["startPotential"] as? Double ?? 1))
        let tangent = try Self.peaks([file.path, "--baseline", "tangent"])
        #expect(tangent.report["baseline"] as? String == "tangent" && tangent.peaks.count == 2)
        let negative = try Self.peaks([file.path, "--polarity", "negative"]).peaks
        #expect(negative.allSatisfy { abs(($0["potential"] as? Double ?? 0) + 0.35) > 0.02 })
        #expect(try Self.peaks([file.path, "--technique", "ca"]).peaks.isEmpty)
        for bad in [["--variable", "sideways"], ["--technique", "eis"], ["--baseline", "spline"], ["--bounds", "shoulder"], ["--min-height", "-1"]] {
            let refused = try precis(["analyze", "methodscript", file.path] + bad, db: newDatabase())
            #expect(refused.status == 2, "\(bad): \(refused.stderr)")
        }
    }

    /// A reversible CV pair (Epa 228 mV, Epc 172 mV) over two cycles: each cycle's ΔEp and E½ within one step.
    @Test func aCyclicScanGivesEachCyclesPeakSeparationAndHalfWavePotential() throws {
        func wave(_ u: Double) -> Double { u < 0 ? exp(-0.5 * u * u / (0.03 * 0.03)) : 1 / (1 + u / 0.05).squareRoot() }
        var lines = ["e", "M0000"]
        for _ in 0..<2 {
            lines.append("C0000")
            for k in 0...800 { let e = -0.2 + 0.001 * Double(k); lines.append("Pda\(Self.hex(e, 1e-6))u;ba\(Self.hex(2e-7 + 2e-6 * wave(e - 0.228), 1e-12))p") }
            for k in (0..<800).reversed() {
                let e = -0.2 + 0.001 * Double(k)
                lines.append("Pda\(Self.hex(e, 1e-6))u;ba\(Self.hex(-2e-7 + 0.6e-6 * (e + 0.2) / 0.8 - 1.6e-6 * wave(0.172 - e), 1e-12))p")
            }
            lines.append("-")
        }
        lines += ["*", "", ""]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cv-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let (report, _) = try Self.peaks([file.path])
        #expect(report["technique"] as? String == "cv")
        let cycles = try #require(report["cycles"] as? [[String: Any]])
        #expect(cycles.count == 2)
        for c in cycles {
            #expect(abs((c["deltaEp"] as? Double ?? 0) - 0.056) <= 0.001 + 1e-9, "\(c)")
            #expect(abs((c["eHalf"] as? Double ?? 0) - 0.2) <= 0.001 + 1e-9, "\(c)")
        }
        let text = try precis(["analyze", "methodscript", file.path, "--no-plot"], db: newDatabase())
        #expect(text.stdout.contains("cycle 1: Epa 228 mV, Epc 172 mV"), "\(text.stdout)")
    }

    /// `--cv-method semiderivative`: the semi-derivative search on a reversible couple (E½ +0.2 V;
    /// current the G1 semi-derivative of nFA√D·C·θ/(1+θ), 5 mV steps at 0.1 V/s) puts the two
    /// peaks' mean within a quarter step of E½ and their separation within one step, says so in
    /// its output, and refuses to run without the scan rate; `--cv-method vendor` gives the
    /// current's own peaks (the points PalmSens' search reports), about 58 mV apart around E½.
    @Test func theSemiDerivativeMethodPutsAReversibleCouplesPeaksAtTheHalfWavePotential() throws {
        let step = 0.005, h = step / 0.1, f = 96485.33212 / (8.314462618 * 298.15), scale = 2e-5
        let e = (0...160).map { -0.2 + step * Double($0) } + (0..<160).reversed().map { -0.2 + step * Double($0) }
        let semi = e.map { scale / (1 + exp(-f * ($0 - 0.2))) }
        var w = [1.0]
        for j in 1..<e.count { w.append(w[j - 1] * (Double(j) - 1.5) / Double(j)) }
        let current = e.indices.map { k in (0...k).reduce(0.0) { $0 + w[$1] * semi[k - $1] } / h.squareRoot() }
        var lines = ["e", "M0000"]
        for (x, i) in zip(e, current) { lines.append("Pda\(Self.hex(x, 1e-6))u;ba\(Self.hex(i, 1e-12))p") }
        lines += ["*", "", ""]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cv-sd-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let (report, _) = try Self.peaks([file.path, "--cv-method", "semiderivative", "--scan-rate", "0.1"])
        let cycle = try #require((report["cycles"] as? [[String: Any]])?.first)
        #expect(cycle["method"] as? String == "semiderivative")
        #expect(abs((cycle["eHalf"] as? Double ?? 0) - 0.2) <= step / 4, "\(cycle)")
        #expect(abs(cycle["deltaEp"] as? Double ?? 1) < step, "\(cycle)")      // 2.5 mV here: within one step
        let ordinary = try #require((try Self.peaks([file.path]).report["cycles"] as? [[String: Any]])?.first)
        #expect((ordinary["deltaEp"] as? Double ?? 0) > 0.05 && ordinary["method"] == nil)   // the diffusion peaks, ~58 mV apart
        let text = try precis(["analyze", "methodscript", file.path, "--no-plot", "--cv-method", "semiderivative", "--scan-rate", "0.1"], db: newDatabase())
        #expect(text.stdout.contains("cycle 1: semi-derivative peaks: Epa"), "\(text.stdout)")
        let vendor = try #require((try Self.peaks([file.path, "--cv-method", "vendor", "--scan-rate", "0.1"]).report["cycles"] as? [[String: Any]])?.first)
        #expect(vendor["method"] as? String == "vendor")
        #expect(abs((vendor["eHalf"] as? Double ?? 0) - 0.2) < 0.01 && (vendor["deltaEp"] as? Double ?? 0) > 0.04, "\(vendor)")   // the current's own peaks
        let vendorText = try precis(["analyze", "methodscript", file.path, "--no-plot", "--cv-method", "vendor", "--scan-rate", "0.1"], db: newDatabase())
        #expect(vendorText.stdout.contains("cycle 1: PalmSens' semi-derivative points: Epa"), "\(vendorText.stdout)")
        let refused = try precis(["analyze", "methodscript", file.path, "--cv-method", "semiderivative"], db: newDatabase())
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("needs the scan rate"), "\(refused.stderr)")
    }
}
