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
    public var peaks: [VoltammetricPeak]
    /// The steady state of time/current data (`eb` with `ba`).
    public var steadyState: SteadyStateResult?
}

extension Runtime {
    /// The data packages of a MethodSCRIPT output stream, line by line so that an error names its line.
    static func methodSCRIPTPackages(_ data: Data, source: String) throws -> [MethodSCRIPTPackage] {
        var decoder = MethodSCRIPTDecoder(), packages: [MethodSCRIPTPackage] = [], number = 0
        do {
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                number += 1
                if line.first == UInt8(ascii: "#") { continue }
                // The last piece has no LF after it: the decoder keeps it and `finish` refuses it
                // when it is not empty (the stream was cut off inside a line).
                let last = line.endIndex == data.endIndex
                try decoder.step(Array(line) + (last ? [] : [0x0A])) { message in
                    if case .package(let package) = message { packages.append(package) }
                }
                guard packages.count <= maxMethodSCRIPTPackages else {
                    throw PrecisError(.input, "holds more than \(maxMethodSCRIPTPackages) data packages; Precis reads at most \(maxMethodSCRIPTPackages)")
                }
            }
            try decoder.finish()
        } catch let error as PrecisError {
            throw PrecisError(.input, "\(source) line \(number): \(error.message)", hint: error.hint)
        }
        return packages
    }

    /// The largest MethodSCRIPT output file read offline, in bytes.
    public static let maxMethodSCRIPTFileBytes = 16 << 20
    /// The most data packages in one file.
    public static let maxMethodSCRIPTPackages = 1_000_000

    /// Decodes a MethodSCRIPT output stream (a device's reply lines; `#` comments allowed) and
    /// finds voltammetric peaks or the chronoamperometric steady state. A malformed or truncated
    /// package is an `.input` error naming the line, never a number (a file is bad input,
    /// not an instrument problem). Limits: `maxMethodSCRIPTFileBytes`, `MethodSCRIPTDecoder.maxLineLength`
    /// per line, `maxMethodSCRIPTPackages`.
    public static func analyzeMethodSCRIPT(_ file: URL) throws -> MethodSCRIPTAnalysis {
        let name = file.lastPathComponent
        let data = try BoundedFile.read(file, limit: maxMethodSCRIPTFileBytes, what: "MethodSCRIPT output \(name)")
        let packages = try methodSCRIPTPackages(data, source: name)
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
            peaks: peaks, steadyState: steady)
    }
}
