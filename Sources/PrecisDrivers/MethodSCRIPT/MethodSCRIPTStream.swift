import Foundation
import PrecisCore

/// A MethodSCRIPT output stream kept in a file (a device's reply lines as captured, `#`
/// comment lines allowed), read offline: every line through `MethodSCRIPTDecoder`, so that
/// the file reads exactly as the live stream would.
///
/// Limits: `maxFileBytes` (checked by whoever reads the file), `MethodSCRIPTDecoder.maxLineLength`
/// per line, `maxPackages`. A malformed, cut-off or oversized stream is an `.input` error naming
/// the file and the line: a file is bad input, not an instrument problem.
public enum MethodSCRIPTStream {
    /// The largest stream file read, in bytes.
    public static let maxFileBytes = 16 << 20
    /// The most data packages in one stream.
    public static let maxPackages = 1_000_000

    /// The data packages of `data`, in order; `source` names the file in errors.
    public static func packages(_ data: Data, source: String) throws -> [MethodSCRIPTPackage] {
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
                guard packages.count <= maxPackages else {
                    throw PrecisError(.input, "holds more than \(maxPackages) data packages; Precis reads at most \(maxPackages)")
                }
            }
            try decoder.finish()
        } catch let error as PrecisError {
            throw PrecisError(.input, "\(source) line \(number): \(error.message)", hint: error.hint)
        }
        return packages
    }
}
