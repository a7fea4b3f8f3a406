import Foundation
import PrecisCore
import PrecisDrivers
import PrecisSignal

/// A MethodSCRIPT output stream analysed offline.
public struct MethodSCRIPTAnalysis: Sendable, Codable, Equatable {
    /// One decoded variable.
    public struct Variable: Sendable, Codable, Equatable {
        /// The type code (`da`, `ba`, …).
        public var type: String
        /// The value in SI units.
        public var value: Double
        /// The SI unit.
        public var unit: String
        /// The status (`OK`, `OVERLOAD`, …), when the package carries one.
        public var status: String?
        /// The current range code, when the package carries one.
        public var range: Int?
    }

    /// The file.
    public var file: String
    /// Every data package's variables, in order.
    public var packages: [[Variable]]
    /// The technique the curve was analysed as (`--technique`, or what the data show).
    public var technique: MethodSCRIPTAnalysisOptions.Technique
    /// Which current of each package was analysed (`net`: the first, `forward`, `reverse`).
    public var variable: MethodSCRIPTAnalysisOptions.Current
    /// The baseline method of the peak search.
    public var baseline: MethodSCRIPTAnalysisOptions.Baseline
    /// Where the peaks' bounds were put (nil in reports made before the choice existed: valleys).
    public var bounds: MethodSCRIPTAnalysisOptions.Bounds?
    /// The analysed curve: potential (V) and current (A) per package, in order.
    public var curve: [[Double]]
    /// Peaks of potential/current data, per sweep, each with its sweep's `direction` (and a
    /// cyclic scan's `cycle`).
    public var peaks: [VoltammetricPeakSummary]
    /// The steady state of time/current data (`eb` with `ba`).
    public var steadyState: SteadyStateSummary?
    /// A cyclic scan's cycles: anodic and cathodic peak over the capacitive baseline, ΔEp, E½, ipa/ipc.
    public var cycles: [CyclicVoltammetrySummary] = []
}

/// One cycle of a cyclic voltammogram (`CyclicVoltammetryAnalyzer`): V and A, nil where a peak is missing.
public struct CyclicVoltammetrySummary: Sendable, Codable, Equatable {
    public var cycle: Int
    /// Epa, Epc (V) and ipa, |ipc| (A, over the baseline extrapolated from the capacitive region;
    /// with the semi-derivative method the semi-derivative's peak values, A·s^−½; with `vendor`,
    /// over the tangent at the wave's foot, A).
    public var epa: Double?, epc: Double?, ipa: Double?, ipc: Double?
    /// ΔEp = Epa − Epc and E½ = (Epa + Epc)/2, V; ipa/ipc.
    public var deltaEp: Double?, eHalf: Double?, ratio: Double?
    /// How the peaks were found: nil, over the capacitive baseline; `semiderivative`, on the
    /// semi-derivative; `vendor`, PalmSens' semi-derivative points.
    public var method: String?
}

extension CyclicVoltammetrySummary {
    init(_ c: CyclicVoltammetryCycle, method: MethodSCRIPTAnalysisOptions.CVMethod) {
        self.init(cycle: c.cycle, epa: c.anodic?.potential, epc: c.cathodic?.potential, ipa: c.anodic?.height, ipc: c.cathodic?.height,
                  deltaEp: c.peakSeparation, eHalf: c.halfWavePotential, ratio: c.peakCurrentRatio,
                  method: method == .baseline ? nil : method.rawValue)
    }
}

/// How `analyzeMethodSCRIPT` reads a curve (the `precis analyze methodscript` options).
public struct MethodSCRIPTAnalysisOptions: Sendable, Equatable {
    /// The technique: which search a curve gets.
    public enum Technique: String, Sendable, Codable, CaseIterable {
        /// Linear sweep, differential pulse and square wave: peaks of each sweep between their valleys.
        case lsv, dpv, swv
        /// Cyclic voltammetry: anodic and cathodic peaks per cycle.
        case cv
        /// Chronoamperometry: the steady state.
        case ca

        /// The technique of a script Precis runs: how its curve is analysed.
        public init(_ script: MethodSCRIPTTechnique) {
            switch script {
            case .linearSweep: self = .lsv
            case .cyclicVoltammetry: self = .cv
            case .differentialPulse: self = .dpv
            case .squareWave: self = .swv
            case .chronoamperometry: self = .ca
            }
        }
    }
    /// Which way peaks point (the CV search takes each sweep's own direction).
    public enum Polarity: String, Sendable, Codable, CaseIterable { case positive, negative }
    /// The baseline under a peak (`VoltammetricPeakFinder`): between the valleys, tangent, or none.
    public enum Baseline: String, Sendable, Codable, CaseIterable { case valley, tangent, none }
    /// Where a peak's bounds fall (`PeakBounds`): `vendor`, on the flanks as PSTrace puts them, each
    /// peak over its own baseline (the default here: the numbers PSTrace gives); `valley`, Precis's
    /// own, at the valleys, overlapping peaks split at the valley over one baseline (their areas
    /// within 1 % of each peak's own while the valley is visible).
    public enum Bounds: String, Sendable, Codable, CaseIterable { case vendor, valley }
    /// Which current of a package: a square wave's packages carry net, forward and reverse.
    public enum Current: String, Sendable, Codable, CaseIterable { case net, forward, reverse }
    /// How a CV's (or an LSV's) cycle peaks are found: over the baseline extrapolated from the
    /// capacitive region (the default), on the semi-derivative (its own maxima, whose mean is E½
    /// directly), or at the points PalmSens' semi-derivative search reports (`vendor`: the
    /// current's peaks over the tangent at each wave's foot); the last two need the scan rate.
    public enum CVMethod: String, Sendable, Codable, CaseIterable { case baseline, semiderivative, vendor }

    /// nil: from the data (time only: ca; a potential that turns: cv; three currents: swv; else lsv).
    public var technique: Technique?
    public var polarity: Polarity = .positive
    public var baseline: Baseline = .valley
    /// Where the peaks' bounds fall: PSTrace's (the default) or Precis's valleys.
    public var bounds: Bounds = .vendor
    /// Peaks not higher than this over their baseline are dropped, A.
    public var minimumHeight = 0.0
    /// Peaks narrower than this at half height are dropped, V.
    public var minimumWidth = 0.0
    public var variable: Current = .net
    /// Report edge maxima too, flagged `edge`.
    public var includeEdgePeaks = false
    /// How a CV's cycle peaks are found.
    public var cvMethod: CVMethod = .baseline
    /// The sweep's scan rate, V/s, when known: each peak's charge is its area over it.
    public var scanRate: Double?
    /// The defaults: the technique from the data, positive peaks, valley baseline, net current.
    public init() {}

    var peakOptions: VoltammetricPeakOptions {
        var o = VoltammetricPeakOptions()
        o.polarity = polarity == .positive ? .positive : .negative
        o.baseline = switch baseline { case .valley: .valley; case .tangent: .tangent; case .none: .none }
        o.bounds = bounds == .vendor ? .vendor : .valley
        o.minimumHeight = minimumHeight
        o.minimumWidth = minimumWidth
        o.includeEdgePeaks = includeEdgePeaks
        return o
    }
}

/// Whether a chronoamperometric current settled, and where.
public enum SteadyStateSummary: Sendable, Codable, Equatable {
    /// The current settled at `time` (s) and stayed within tolerance; `current` is the mean from there to the end, A.
    case settled(current: Double, time: Double)
    /// It never settled for good; `drift` is the last window's drift and `tolerance` what it had to meet, A.
    case notSettled(drift: Double, tolerance: Double)

    init(_ result: SteadyStateResult) {
        switch result {
        case let .settled(current, time): self = .settled(current: current, time: time)
        case let .notSettled(drift, tolerance): self = .notSettled(drift: drift, tolerance: tolerance)
        }
    }
}

extension Runtime {
    /// Decodes a MethodSCRIPT output stream (a device's reply lines; `#` comments allowed) and
    /// finds voltammetric peaks or the chronoamperometric steady state, as `options` say. A
    /// malformed, truncated, unfinished or oversized stream is an `.input` error naming the line,
    /// never a number (limits: `MethodSCRIPTStream`).
    public static func analyzeMethodSCRIPT(_ file: URL, options: MethodSCRIPTAnalysisOptions = MethodSCRIPTAnalysisOptions()) throws -> MethodSCRIPTAnalysis {
        let name = file.lastPathComponent
        let data = try BoundedFile.read(file, limit: MethodSCRIPTStream.maxFileBytes, what: "MethodSCRIPT output \(name)")
        let packages = try MethodSCRIPTStream.packages(data, source: name)
        guard !packages.isEmpty else { throw PrecisError(.input, "\(file.lastPathComponent) holds no data package") }
        func series(_ code: String) -> [Double] { packages.compactMap { $0.variables.first { $0.type.code == code }?.value } }
        let potential = series("da"), time = series("eb")
        let which = MethodSCRIPTAnalysisOptions.Current.allCases.firstIndex(of: options.variable) ?? 0
        let current = packages.compactMap { p -> Double? in
            let currents = p.variables.filter { $0.type.code == "ba" }
            return currents.indices.contains(which) ? currents[which].value : nil
        }
        let counted = packages.filter { $0.variables.contains { $0.type.code == "ba" } }.count
        guard options.variable == .net || current.count == counted else {
            throw PrecisError(.input, "\(name): a package has no \(options.variable.rawValue) current (only a square wave's packages carry net, forward and reverse)")
        }
        let technique = options.technique ?? inferredTechnique(potential: potential, time: time, packages: packages)
        let voltammetric: (peaks: [VoltammetricPeakSummary], cycles: [CyclicVoltammetrySummary]) =
            technique != .ca && potential.count == current.count
            ? try voltammetricPeaks(potential, current, technique: technique, options: options) : ([], [])
        let steady = technique == .ca && time.count == current.count && time.count >= 5
            ? try? SteadyStateDetector.detect(times: time, currents: current) : nil
        return MethodSCRIPTAnalysis(
            file: file.lastPathComponent,
            packages: packages.map { $0.variables.map { v in
                MethodSCRIPTAnalysis.Variable(type: v.type.code, value: v.value, unit: v.type.unit,
                                              status: v.status.map { "\($0)" }, range: v.rangeCode)
            } },
            technique: technique, variable: options.variable, baseline: options.baseline, bounds: options.bounds,
            curve: potential.count == current.count ? zip(potential, current).map { [$0, $1] } : [],
            peaks: voltammetric.peaks, steadyState: steady.map(SteadyStateSummary.init), cycles: voltammetric.cycles)
    }

    /// A voltammogram analysed as `technique`: each sweep's peaks (5 points or more) and, for a
    /// cyclic scan, each cycle's Epa, Epc, ipa, ipc, ΔEp, E½ and ipa/ipc. The one analysis of
    /// `analyze methodscript` and of a run on an instrument, whose technique is the script's.
    static func voltammetricPeaks(_ e: [Double], _ i: [Double], technique: MethodSCRIPTAnalysisOptions.Technique,
                                  options: MethodSCRIPTAnalysisOptions) throws -> (peaks: [VoltammetricPeakSummary], cycles: [CyclicVoltammetrySummary]) {
        guard e.count >= 5 else { return ([], []) }
        let peaks = try sweepPeaks(e, i, options, cyclic: technique == .cv)
        if options.cvMethod != .baseline {
            guard technique == .cv || technique == .lsv else {
                throw PrecisError(.input, "the semi-derivative peak search is for CV and LSV, not \(technique.rawValue)")
            }
            guard let rate = options.scanRate else {
                throw PrecisError(.input, "the semi-derivative peak search needs the scan rate", hint: "give --scan-rate (the script's, V/s)")
            }
            let cycles = options.cvMethod == .vendor
                ? try CyclicVoltammetryAnalyzer.vendorSemiDerivativePeaks(potentials: e, currents: i, scanRate: rate,
                                                                          minimumHeight: options.minimumHeight)
                : try CyclicVoltammetryAnalyzer.semiDerivativePeaks(potentials: e, currents: i, scanRate: rate,
                                                                    minimumHeight: options.minimumHeight)
            return (peaks, cycles.map { CyclicVoltammetrySummary($0, method: options.cvMethod) })
        }
        guard technique == .cv else { return (peaks, []) }
        return (peaks, try CyclicVoltammetryAnalyzer.analyze(potentials: e, currents: i).map { CyclicVoltammetrySummary($0, method: .baseline) })
    }

    /// What a curve is when nobody said: time only, chronoamperometry; a potential that turns,
    /// cyclic; three currents a package, square wave; otherwise a linear sweep.
    static func inferredTechnique(potential: [Double], time: [Double], packages: [MethodSCRIPTPackage]) -> MethodSCRIPTAnalysisOptions.Technique {
        if potential.isEmpty || (!time.isEmpty && Set(potential).count <= 1) { return .ca }
        if VoltammetricPeakFinder.sweeps(potential).filter({ $0.count >= 5 }).count > 1 { return .cv }
        if packages.first.map({ $0.variables.filter { $0.type.code == "ba" }.count >= 3 }) == true { return .swv }
        return .lsv
    }

    /// Each sweep's peaks between their valleys, with the sweep's direction. A cyclic scan's sweeps
    /// are each searched in their own direction (anodic up, cathodic down), edges included, and
    /// numbered by cycle; a linear one's peaks carry their charge when the scan rate is known.
    static func sweepPeaks(_ e: [Double], _ i: [Double], _ options: MethodSCRIPTAnalysisOptions,
                           cyclic: Bool = false) throws -> [VoltammetricPeakSummary] {
        var found: [VoltammetricPeakSummary] = []
        for (number, sweep) in VoltammetricPeakFinder.sweeps(e).enumerated() where sweep.count >= 5 {
            let up = e[sweep.upperBound - 1] > e[sweep.lowerBound]
            var o = options.peakOptions
            if cyclic {
                o.polarity = up ? .positive : .negative
                o.includeEdgePeaks = true                 // a CV's diffusion tail runs to the switching potential
            }
            for peak in try VoltammetricPeakFinder.peaks(potentials: Array(e[sweep]), currents: Array(i[sweep]), options: o) {
                var summary = VoltammetricPeakSummary(peak)
                summary.direction = up ? "anodic" : "cathodic"
                if cyclic { summary.cycle = number / 2 + 1 } else { summary.charge = options.scanRate.map { peak.area / $0 } }
                found.append(summary)
            }
        }
        return found
    }
}
