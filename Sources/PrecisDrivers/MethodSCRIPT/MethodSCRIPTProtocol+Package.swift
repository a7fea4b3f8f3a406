import PrecisCore

// Data packages: decoding a `P` line and encoding one (protocol.md §6).

extension MethodSCRIPTDecoder {
    /// Decodes a `P` line (without its newline) into variables, or throws `.protocol`
    /// naming the line and the variable that is wrong. Never returns a partial package.
    public static func parsePackage(_ line: String) throws -> MethodSCRIPTPackage {
        let bytes = Array(line.utf8)
        guard bytes.first == UInt8(ascii: "P") else {
            throw corrupt(bytes, "does not start with 'P'")
        }
        guard bytes.count > 1 else { throw corrupt(bytes, "has no variables") }
        var variables: [MethodSCRIPTVariable] = []
        for (index, field) in bytes.dropFirst().split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).enumerated() {
            do {
                variables.append(try parseVariable(Array(field)))
            } catch let reason as PackageFault {
                throw corrupt(bytes, "variable \(index + 1) (\"\(show(Array(field)))\") \(reason.text)")
            }
        }
        return MethodSCRIPTPackage(variables: variables, line: line)
    }

    /// Why one variable could not be decoded.
    private struct PackageFault: Error { let text: String }

    private static func corrupt(_ line: [UInt8], _ reason: String) -> PrecisError {
        PrecisError(.protocol, "MethodSCRIPT: corrupt data package \"\(show(line))\": \(reason)",
                    hint: "the package was damaged or cut off; repeat the measurement and check the cable")
    }

    /// Decodes `tt` + 7 hex digits + SI prefix (or `tt` + `     nan`), then `,metadata`…
    private static func parseVariable(_ field: [UInt8]) throws -> MethodSCRIPTVariable {
        guard field.count >= 10 else {
            throw PackageFault(text: "is \(field.count) characters, shorter than the 10 of type, value and prefix")
        }
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z")
        guard lower.contains(field[0]), lower.contains(field[1]) else {
            throw PackageFault(text: "has no two-letter variable type")
        }
        let type = MethodSCRIPTVariableType.lookup(String(decoding: field[0..<2], as: UTF8.self))
        let raw: Int?
        let prefix: UInt8
        let value: Double
        if Array(field[2..<10]) == Array("     nan".utf8) {
            raw = nil
            prefix = UInt8(ascii: " ")
            value = .nan
        } else {
            guard let digits = hexNumber(field[2..<9]) else {
                throw PackageFault(text: "has a value that is not 7 hex digits")
            }
            guard let factor = MethodSCRIPTTables.siPrefixes[field[9]] else {
                throw PackageFault(text: "has an unknown SI prefix '\(show([field[9]]))'")
            }
            raw = digits - MethodSCRIPTTables.valueOffset
            prefix = field[9]
            value = Double(digits - MethodSCRIPTTables.valueOffset) * factor
        }
        let metadata = try parseMetadata(Array(field[10...]))
        return MethodSCRIPTVariable(type: type, rawValue: raw, prefix: Character(UnicodeScalar(prefix)),
                                    value: value, status: metadata.status, rangeCode: metadata.range,
                                    otherMetadata: metadata.other)
    }

    /// Parses `,1s` (status, 1 hex digit), `,2rr` (range, 2 hex digits) and keeps others as text.
    private static func parseMetadata(_ tail: [UInt8]) throws
        -> (status: MethodSCRIPTStatus?, range: Int?, other: [String]) {
        guard !tail.isEmpty else { return (nil, nil, []) }
        guard tail[0] == UInt8(ascii: ",") else {
            throw PackageFault(text: "has characters after the SI prefix that are not ',metadata'")
        }
        var status: MethodSCRIPTStatus?, range: Int?, other: [String] = []
        for token in tail.dropFirst().split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            switch token.first {
            case UInt8(ascii: "1"):
                guard token.count == 2, let bits = hexNumber(token.dropFirst()) else {
                    throw PackageFault(text: "has a status field that is not '1' and one hex digit")
                }
                status = MethodSCRIPTStatus(rawValue: bits)
            case UInt8(ascii: "2"):
                guard token.count == 3, let code = hexNumber(token.dropFirst()) else {
                    throw PackageFault(text: "has a range field that is not '2' and two hex digits")
                }
                range = code
            case nil:
                throw PackageFault(text: "has an empty metadata field")
            default:
                other.append(String(decoding: token, as: UTF8.self))
            }
        }
        return (status, range, other)
    }
}

/// Writes data packages as an instrument does (used by simulators and round-trip tests).
public enum MethodSCRIPTPackageEncoder {
    /// The largest magnitude of a raw value: 2^27 − 1 (protocol.md §6.2).
    public static let maxRaw = MethodSCRIPTTables.valueOffset - 1

    /// One variable: type code, 7 hex digits with the finest SI prefix whose raw value
    /// fits in 27 bits (as the instruments do, protocol.md §6.3), then metadata.
    public static func variable(_ code: String, _ value: Double, status: MethodSCRIPTStatus? = nil,
                                rangeCode: Int? = nil) -> String {
        var text = code
        if value.isNaN {
            text += "     nan"
        } else {
            let (raw, prefix) = scaled(value)
            let hex = String(raw + MethodSCRIPTTables.valueOffset, radix: 16, uppercase: true)
            text += String(repeating: "0", count: max(0, 7 - hex.count)) + hex + String(prefix)
        }
        if let status { text += ",1" + String(status.rawValue & 0xF, radix: 16, uppercase: true) }
        if let rangeCode {
            let hex = String(rangeCode & 0xFF, radix: 16, uppercase: true)
            text += ",2" + (hex.count < 2 ? "0" + hex : hex)
        }
        return text
    }

    /// A whole `P` line with its newline.
    public static func package(_ variables: [String]) -> String {
        "P" + variables.joined(separator: ";") + "\n"
    }

    /// The raw integer and prefix for `value`: the smallest factor whose raw value fits.
    static func scaled(_ value: Double) -> (Int, Character) {
        for (prefix, factor) in MethodSCRIPTTables.scalingPrefixes.reversed() {
            let raw = (value / factor).rounded()
            if abs(raw) <= Double(maxRaw) { return (Int(raw), prefix) }
        }
        return (value < 0 ? -maxRaw : maxRaw, "E")
    }
}
