import Foundation
import PrecisCore

/// A MethodSCRIPT output stream kept in a file (a device's reply lines as captured, `#`
/// comment lines allowed), read offline: every line through `MethodSCRIPTDecoder`, so that
/// the file reads exactly as the live stream would.
///
/// Limits: `maxFileBytes` (checked by whoever reads the file), `MethodSCRIPTDecoder.maxLineLength`
/// per line, `maxPackages`. A malformed, cut-off or oversized stream is an `.input` error naming
/// the file and the line: a file is bad input, not an instrument problem. So is a stream that did
/// not finish: a device error line (`!4032`: the run failed there, its curve is not whole), or a
/// loop (`M…`, `C…`, `L`) still open when the file ends (protocol.md §5: every scope closes
/// with `*`, `-` or `+`); the error names the line of the error, or of the loop left open.
public enum MethodSCRIPTStream {
    /// The largest stream file read, in bytes.
    public static let maxFileBytes = 16 << 20
    /// The most data packages in one stream.
    public static let maxPackages = 1_000_000

    /// The data packages of `data`, in order; `source` names the file in errors.
    public static func packages(_ data: Data, source: String) throws -> [MethodSCRIPTPackage] {
        var decoder = MethodSCRIPTDecoder(), packages: [MethodSCRIPTPackage] = [], number = 0
        var open: [Int] = []                                    // the lines where the open scopes began
        do {
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                number += 1
                if line.first == UInt8(ascii: "#") { continue }
                // The last piece has no LF after it: the decoder keeps it and `finish` refuses it
                // when it is not empty (the stream was cut off inside a line).
                let last = line.endIndex == data.endIndex
                var failure: MethodSCRIPTDeviceError?
                try decoder.step(Array(line) + (last ? [] : [0x0A])) { message in
                    switch message {
                    case .package(let package): packages.append(package)
                    case .loopStarted: open.append(number)
                    case .loopEnded: _ = open.popLast()
                    case .deviceError(let error): failure = failure ?? error
                    default: break
                    }
                }
                if let failure {
                    throw PrecisError(.input, "the device reported \(failure) after \(packages.count) data packages: the measurement did not finish",
                                      hint: "analyse a stream of a run that ended normally; repeat the measurement")
                }
                guard packages.count <= maxPackages else {
                    throw PrecisError(.input, "holds more than \(maxPackages) data packages; Precis reads at most \(maxPackages)")
                }
            }
            try decoder.finish()
            if let begun = open.last {
                number = begun
                throw PrecisError(.input, "the loop begun here has no end (the stream stops after \(packages.count) data packages): the measurement did not finish",
                                  hint: "the output was cut off; analyse the whole stream, or repeat the measurement")
            }
        } catch let error as PrecisError {
            throw PrecisError(.input, "\(source) line \(number): \(error.message)", hint: error.hint)
        }
        return packages
    }
}
