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
    /// Peaks of potential/current data (`da` with `ba`), per sweep.
    public var peaks: [VoltammetricPeakSummary]
    /// The steady state of time/current data (`eb` with `ba`).
    public var steadyState: SteadyStateSummary?
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
    /// finds voltammetric peaks or the chronoamperometric steady state. A malformed, truncated
    /// or oversized stream is an `.input` error naming the line, never a number (limits:
    /// `MethodSCRIPTStream`).
    public static func analyzeMethodSCRIPT(_ file: URL) throws -> MethodSCRIPTAnalysis {
        let name = file.lastPathComponent
        let data = try BoundedFile.read(file, limit: MethodSCRIPTStream.maxFileBytes, what: "MethodSCRIPT output \(name)")
        let packages = try MethodSCRIPTStream.packages(data, source: name)
        guard !packages.isEmpty else { throw PrecisError(.input, "\(file.lastPathComponent) holds no data package") }
        func series(_ code: String) -> [Double] { packages.compactMap { $0.variables.first { $0.type.code == code }?.value } }
        let potential = series("da"), current = series("ba"), time = series("eb")
        var peaks: [VoltammetricPeak] = []
        if potential.count == current.count, potential.count >= 5 {
            for sweep in VoltammetricPeakFinder.sweeps(potential) where sweep.count >= 5 {
                peaks += try VoltammetricPeakFinder.peaks(potentials: Array(potential[sweep]), currents: Array(current[sweep]))
            }
        }
        let steady = time.count == current.count && time.count >= 5 ? try? SteadyStateDetector.detect(times: time, currents: current) : nil
        return MethodSCRIPTAnalysis(
            file: file.lastPathComponent,
            packages: packages.map { $0.variables.map { v in
                MethodSCRIPTAnalysis.Variable(type: v.type.code, value: v.value, unit: v.type.unit,
                                              status: v.status.map { "\($0)" }, range: v.rangeCode)
            } },
            peaks: peaks.map(VoltammetricPeakSummary.init), steadyState: steady.map(SteadyStateSummary.init))
    }
}
