import Foundation

/// A check of a JSON document from outside before it is decoded: its nesting is bounded, so
/// that a document of a million `[` cannot exhaust the decoder's stack. Everything else about
/// it (well-formedness, the fields) is the decoder's to judge; the size is bounded by whoever
/// read the bytes (`BoundedFile`, an HTTP body cap).
public enum JSONLimits {
    /// The deepest nesting of arrays and objects (calibration files need 4, FHIR responses 6).
    public static let maxDepth = 64

    /// Throws a `kind` error naming `source` when arrays and objects nest deeper than `maxDepth`.
    public static func check(_ data: Data, source: String, maxDepth: Int = JSONLimits.maxDepth, kind: ErrorKind = .input) throws {
        if let line = lineTooDeep(data, maxDepth: maxDepth) {
            throw PrecisError(kind, "\(source) nests JSON deeper than \(maxDepth) levels (line \(line)); Precis reads at most \(maxDepth)")
        }
    }

    /// The line at which `data` first nests deeper than `maxDepth`, nil when it never does.
    /// Brackets inside strings do not count.
    public static func lineTooDeep(_ data: Data, maxDepth: Int = JSONLimits.maxDepth) -> Int? {
        var depth = 0, line = 1, inString = false, escaped = false
        for byte in data {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maxDepth { return line }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }
}
